import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ZanMetrics } from './metrics';
import { Public } from './public-route';

@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: ZanMetrics) {}

  @Public()
  @Get()
  @ApiOperation({ summary: 'Prometheus metrics of this process (text exposition format)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Metrics in the Prometheus text format', schema: { type: 'string' } })
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const body = await this.metrics.metrics();
    reply.header('Content-Type', this.metrics.contentType);
    reply.header('Cache-Control', 'no-store');
    return body;
  }
}
