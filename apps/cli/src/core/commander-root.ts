import { Injectable } from '@nestjs/common';
import type { Command } from 'commander';
import { InjectCommander } from 'nest-commander';

/** The root Commander program nest-commander builds the command tree on. */
@Injectable()
export class CommanderRoot {
  constructor(@InjectCommander() readonly program: Command) {}
}
