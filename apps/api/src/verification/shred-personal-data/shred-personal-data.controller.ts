import { Body, Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiNoContentResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../../auth/auth.guard';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { requireUserId } from '../user-id';
import { ShredPersonalDataCommand } from './shred-personal-data.handler';
import { requireNoBody } from '../../http/validation';

@ApiTags('verification')
@ApiBearerAuth('bearer')
@Controller('v1/admin/users/:userId/personal-data')
export class ShredPersonalDataController {
  constructor(private readonly commands: CommandBus) {}

  @Delete()
  @AdminOnly()
  @HttpCode(204)
  @ApiOperation({ summary: "Destroy a user's personal data (crypto-shredding: their vault key is destroyed; events keep only masked names and hashes)" })
  @ApiParam({ name: 'userId', example: 'bob' })
  @ApiNoContentResponse({ description: 'Shredded (or there was nothing to shred)' })
  @ApiProblems(...AUTHENTICATED, 'forbidden', 'validation')
  async shred(@Param('userId') userId: string, @Body() body: unknown): Promise<void> {
    requireNoBody(body);
    await this.commands.execute(new ShredPersonalDataCommand(requireUserId(userId)));
  }
}
