import { Inject, Logger } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { PERSONAL_DATA_VAULT, type PersonalDataVault } from '@zan/platform';
import { VerifiedNames } from '../verified-names';

/** Answers whether there was a key to destroy. */
export class ShredPersonalDataCommand extends Command<{ shredded: boolean }> {
  constructor(readonly userId: string) {
    super();
  }
}

/**
 * Crypto-shredding: the user's vault key is destroyed, so their sealed name and number can never be
 * read again. No event is written: events keep only masked names and keyed hashes, and still replay.
 */
@CommandHandler(ShredPersonalDataCommand)
export class ShredPersonalDataHandler implements ICommandHandler<ShredPersonalDataCommand> {
  private readonly logger = new Logger('ShredPersonalData');

  constructor(
    @Inject(PERSONAL_DATA_VAULT) private readonly vault: PersonalDataVault,
    private readonly names: VerifiedNames,
  ) {}

  async execute({ userId }: ShredPersonalDataCommand) {
    const shredded = await this.vault.shred(userId);
    this.names.forget(userId);
    this.logger.log(`personal data of ${userId} ${shredded ? 'shredded (key destroyed)' : 'already gone (no key)'}`);
    return { shredded };
  }
}
