import { Controller, Get } from '@nestjs/common';
import { Public } from '../auth/auth.guard';

/** Liveness for now; readiness with dependency checks comes with the operability work. */
@Controller('health')
export class HealthController {
  @Public()
  @Get('live')
  live() {
    return { status: 'ok' };
  }
}
