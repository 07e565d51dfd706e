import { RedPacketNotFound } from '@zan/domain';

export const RED_PACKET_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A red packet id from a path: anything but a lowercase uuid names no packet, so it is a 404. */
export const requireRedPacketId = (id: string): string => {
  if (!RED_PACKET_ID.test(id)) throw new RedPacketNotFound(`no red packet ${id.slice(0, 64)}`);
  return id;
};
