import { Inject, Injectable } from '@nestjs/common';
import { ZAN_VAULT_KEYS, keyedHash, type VaultKeys } from '@zan/platform';

/**
 * What other use cases need from verification: the keyed hash of a name, as VerificationRequested
 * carries it. Linking a card hashes its holder's name with it, so the card is personal exactly when
 * the hashes match (decided, not declared). The verification use cases themselves are commands
 * (request-verification/, decide-verification/, provider-callback/, shred-personal-data/).
 */
@Injectable()
export class Verifications {
  constructor(@Inject(ZAN_VAULT_KEYS) private readonly keys: VaultKeys) {}

  nameHash(name: string): string {
    return keyedHash(this.keys.hashKey, 'name', name);
  }
}
