import { Inject } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { Command, CommandRunner, Help, Option } from 'nest-commander';
import { ConfigError, type ZanSecrets, loadSecrets } from '@zan/platform';
import { Backends } from '../core/backends';
import { CLI_IO, type CliIo, note } from '../core/cli-io';
import { UsageError } from '../core/exit-codes';
import { collect, parseDurationOption } from '../core/options';

interface TokenFlags {
  admin?: boolean;
  role?: string[];
  ttl?: number;
}

/** The api's rule for user ids (they end up in stream names). */
const USER_ID = /^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,127}$/;

@Command({
  name: 'token',
  arguments: '<userId>',
  argsDescription: { userId: 'the `sub` claim: whose wallet the bearer acts on' },
  description: 'Mint a JWT (HS256) signed with ZAN_JWT_SECRET, or the secret the api generated in ZAN_DATA_DIR, for curl and scripts',
})
export class TokenCommand extends CommandRunner {
  constructor(
    private readonly backends: Backends,
    @Inject(CLI_IO) private readonly io: CliIo,
  ) {
    super();
  }

  async run([userId]: string[], flags: TokenFlags): Promise<void> {
    if (!userId || !USER_ID.test(userId)) {
      throw new UsageError(
        `token: user id ${JSON.stringify(userId ?? '')} must be 1..128 characters of letters, digits, _ . @ : - (starting with a letter or digit)`,
      );
    }
    const config = this.backends.config();
    const ttl = flags.ttl ?? Math.min(3600, config.jwtMaxLifetimeSeconds);
    if (ttl > config.jwtMaxLifetimeSeconds) {
      throw new UsageError(`token: --ttl ${ttl}s is longer than the api accepts (ZAN_JWT_MAX_LIFETIME_SECONDS=${config.jwtMaxLifetimeSeconds})`);
    }
    const roles = [...new Set([...(flags.admin ? ['admin'] : []), ...(flags.role ?? [])])];
    let secrets: ZanSecrets;
    try {
      secrets = loadSecrets(config);
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(error.message);
      throw error;
    }
    const jwt = new JwtService({ secret: secrets.jwtSecret, signOptions: { algorithm: 'HS256' } });
    // iat and exp: the api refuses a token without exp, or living longer than its limit.
    const token = await jwt.signAsync({ sub: userId, roles }, { expiresIn: ttl });
    if (secrets.source !== 'ZAN_JWT_SECRET') note(this.io, `zan: ZAN_JWT_SECRET is not set: signed with the secret in ${secrets.source.file}`);
    this.io.stdout.write(`${token}\n`);
  }

  @Option({ flags: '--admin', description: 'add the "admin" role' })
  parseAdmin(): boolean {
    return true;
  }

  @Option({ flags: '--role <role>', description: 'add a role (repeatable)' })
  parseRole(value: string, previous?: string[]): string[] {
    return collect(value, previous);
  }

  @Option({ flags: '--ttl <duration>', description: 'lifetime: 90s, 15m, 1h (default 1h; at most ZAN_JWT_MAX_LIFETIME_SECONDS, 24h by default)' })
  parseTtl(value: string): number {
    return parseDurationOption(value);
  }

  @Help('after')
  examples(): string {
    return `
Examples:
  ALICE=$(npx zan token alice)
  curl -H "Authorization: Bearer $ALICE" localhost:3000/v1/wallets/me
  npx zan token ops --admin --ttl 15m`;
  }
}
