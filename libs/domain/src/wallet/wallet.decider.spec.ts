import { fold } from '../decider';
import { InvalidCommand } from '../errors';
import { NAME_HASH, NUMBER_HASH, OTHER_NAME_HASH, walletWith } from '../testing/fixtures';
import { specFor } from '../testing/given-when-then';
import { decideCreditWallet } from './credit-wallet';
import { decideFundWallet } from './fund-wallet';
import { decideLinkBankCard } from './link-bank-card';
import { decideOpenWallet } from './open-wallet';
import { decidePraiseTip } from './praise-tip';
import { decideRecordVerification } from './record-verification';
import { decideRequestVerification } from './request-verification';
import { decideSendRedPacket } from './send-red-packet';
import { decideTransferFunds } from './transfer-funds';
import { walletDecider, type WalletCommand } from './wallet.decider';
import { decideWithdrawFunds } from './withdraw-funds';

// Each command has its own spec beside its file; this one covers the dispatch itself.
const given = specFor(walletDecider);

describe('wallet decider', () => {
  it('hands each command to the decide function of its file', () => {
    const state = fold(walletDecider, walletWith('bob', 5_000));
    const author = { exists: true, kind: 'individual' as const, verified: true, hasPersonalCard: true };
    const cases: [WalletCommand, (command: never, state: typeof walletDecider.initialState) => unknown][] = [
      [{ type: 'OpenWallet', data: { userId: 'bob', kind: 'business' } }, decideOpenWallet],
      [{ type: 'LinkBankCard', data: { userId: 'bob', cardId: 'card-2', holderName: '张*', holderNameHash: OTHER_NAME_HASH } }, decideLinkBankCard],
      [
        {
          type: 'RequestVerification',
          data: { userId: 'bob', verificationId: 'v-2', kind: 'individual', maskedName: '张*', nameHash: NAME_HASH, numberHash: NUMBER_HASH },
        },
        decideRequestVerification,
      ],
      [{ type: 'RecordVerification', data: { userId: 'bob', decision: 'rejected', decidedBy: 'admin' } }, decideRecordVerification],
      [{ type: 'FundWallet', data: { userId: 'bob', fundingId: 'f', cardId: 'card-1', amount: 100 } }, decideFundWallet],
      [{ type: 'WithdrawFunds', data: { userId: 'bob', withdrawalId: 'w', cardId: 'card-1', amount: 100 } }, decideWithdrawFunds],
      [{ type: 'TransferFunds', data: { transferId: 't', fromUserId: 'bob', toUserId: 'carol', amount: 100, payeeExists: true } }, decideTransferFunds],
      [{ type: 'PraiseTip', data: { tipId: 't', readerId: 'bob', authorId: 'carol', articleId: 'a', amount: 500, author } }, decidePraiseTip],
      [
        { type: 'SendRedPacket', data: { redPacketId: 'r', senderId: 'bob', amount: 300, shares: 3, mode: 'equal', expiresAt: '2025-01-02T00:00:00Z' } },
        decideSendRedPacket,
      ],
      [
        { type: 'CreditWallet', data: { userId: 'bob', credit: { type: 'RedPacketRefunded', data: { redPacketId: 'r', senderId: 'bob', amount: 9 } } } },
        decideCreditWallet,
      ],
    ];
    for (const [command, decideOne] of cases) {
      const on = command.type === 'OpenWallet' || command.type === 'RequestVerification' ? walletDecider.initialState : state;
      const decided = walletDecider.decide(command, on);
      expect(decided).toEqual(decideOne(command as never, on));
      expect(decided.length).toBeGreaterThan(0);
    }
  });

  it('rejects an unknown command', () => {
    given([])
      .when({ type: 'Steal', data: {} } as never)
      .thenThrows(InvalidCommand);
  });
});
