import { ClaimRedPacketController } from './claim-red-packet/claim-red-packet.controller';
import { ClaimRedPacketHandler } from './claim-red-packet/claim-red-packet.handler';
import { ClaimRefusedUpFront } from './claim-red-packet/claim-red-packet.refusal';
import { ReadRedPacketController } from './read-red-packet/read-red-packet.controller';
import { SendRedPacketController } from './send-red-packet/send-red-packet.controller';
import { SendRedPacketHandler } from './send-red-packet/send-red-packet.handler';

/** What the api module registers for red packets: a controller and a handler per use case. */
export const RED_PACKET_CONTROLLERS = [SendRedPacketController, ClaimRedPacketController, ReadRedPacketController];
export const RED_PACKET_PROVIDERS = [SendRedPacketHandler, ClaimRedPacketHandler, ClaimRefusedUpFront];
