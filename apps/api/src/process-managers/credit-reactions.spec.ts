import type { StoredEvent } from '@zan/contracts';
import { reactTo, reactionKey, type ReactionEffects } from './credit-reactions';

const stored = (type: string, data: Record<string, unknown>): StoredEvent =>
  ({
    id: `${type}-1`,
    streamId: 's',
    revision: 0n,
    position: 1n,
    type,
    version: 1,
    data,
    metadata: { correlationId: 'c', causationId: 'c', userId: 'u' },
    occurredAt: '2026-03-01T10:00:00.000Z',
  }) as unknown as StoredEvent;

/** Effects that only record what a reaction asked for. */
const recording = () => {
  const calls: unknown[][] = [];
  const effects: ReactionEffects = {
    credit: async (cause, userId, credit) => void calls.push(['credit', cause.id, userId, credit]),
    escrowPacket: async (sent) => void calls.push(['escrowPacket', sent.id]),
    scheduleExpiry: async (escrowed) => void calls.push(['scheduleExpiry', escrowed.id]),
    cancelExpiry: async (redPacketId) => void calls.push(['cancelExpiry', redPacketId]),
    // The payment 'lost' lost its dynamic code to another payment.
    settlePayment: async (paid) => {
      calls.push(['settlePayment', paid.id]);
      return paid.data.paymentId !== 'lost';
    },
  };
  return { calls, effects };
};

describe('credit reactions: the commerce sagas', () => {
  it('pays, releases, opens and credits in the order and refund sagas, each behind its wallet or stream', async () => {
    const { calls, effects } = recording();
    const steps = ['payOrder', 'releaseStock', 'openOrder', 'payRefund', 'releaseRefund'] as const;
    effects.commerce = Object.fromEntries(steps.map((step) => [step, async (event: StoredEvent) => void calls.push([step, event.id])])) as never;
    const order = { orderId: 'o', productId: 'p', merchantId: 'shop', buyerId: 'ann', quantity: 1, unitPrice: 5, amount: 5 };
    const refund = { orderId: 'o', refundId: 'r', merchantId: 'shop', buyerId: 'ann', amount: 3 };
    const cases: [string, Record<string, unknown>, string][] = [
      ['ProductStockReserved', { ...order, stockLeft: 1 }, 'wallet:ann'],
      ['OrderPaymentDeclined', { ...order, reason: 'insufficient-funds' }, 'product:p'],
      ['OrderPlaced', order, 'wallet:shop'],
      ['OrderRefundRequested', { ...refund, requestedBy: 'shop' }, 'wallet:shop'],
      ['OrderRefundDeclined', { ...refund, reason: 'insufficient-funds' }, 'order:o'],
      ['OrderRefunded', refund, 'wallet:ann'],
    ];
    for (const [type, data, key] of cases) {
      expect(reactionKey(stored(type, data))).toBe(key);
      await reactTo(stored(type, data), effects);
    }
    expect(calls).toEqual([
      ['payOrder', 'ProductStockReserved-1'],
      ['releaseStock', 'OrderPaymentDeclined-1'],
      ['openOrder', 'OrderPlaced-1'],
      [
        'credit',
        'OrderPlaced-1',
        'shop',
        { type: 'OrderPaymentReceived', data: { orderId: 'o', productId: 'p', merchantId: 'shop', buyerId: 'ann', amount: 5 } },
      ],
      ['payRefund', 'OrderRefundRequested-1'],
      ['releaseRefund', 'OrderRefundDeclined-1'],
      [
        'credit',
        'OrderRefunded-1',
        'ann',
        { type: 'OrderRefundReceived', data: { orderId: 'o', refundId: 'r', merchantId: 'shop', buyerId: 'ann', amount: 3 } },
      ],
    ]);
  });
});

describe('credit reactions: the second leg of each payment', () => {
  it.each([
    [
      'FundsTransferred',
      { transferId: 't', fromUserId: 'ann', toUserId: 'bob', amount: 300, note: 'lunch' },
      'wallet:bob',
      [['credit', 'FundsTransferred-1', 'bob', { type: 'TransferReceived', data: { transferId: 't', fromUserId: 'ann', toUserId: 'bob', amount: 300 } }]],
    ],
    [
      'TipPraised',
      { tipId: 'tip', readerId: 'ann', authorId: 'bob', articleId: 'a', amount: 500, message: 'thanks' },
      'wallet:bob',
      [['credit', 'TipPraised-1', 'bob', { type: 'TipReceived', data: { tipId: 'tip', readerId: 'ann', authorId: 'bob', articleId: 'a', amount: 500 } }]],
    ],
    [
      'MerchantPaid',
      { paymentId: 'pay', payerId: 'ann', merchantId: 'shop', codeId: 'c', amount: 800, dynamic: false, reference: 'bill' },
      'wallet:shop',
      [
        [
          'credit',
          'MerchantPaid-1',
          'shop',
          { type: 'MerchantPaymentReceived', data: { paymentId: 'pay', payerId: 'ann', merchantId: 'shop', amount: 800, reference: 'bill' } },
        ],
      ],
    ],
    [
      'MerchantPaid',
      { paymentId: 'pay', payerId: 'ann', merchantId: 'shop', codeId: 'c', amount: 800, dynamic: true },
      'wallet:shop',
      [
        ['settlePayment', 'MerchantPaid-1'],
        ['credit', 'MerchantPaid-1', 'shop', { type: 'MerchantPaymentReceived', data: { paymentId: 'pay', payerId: 'ann', merchantId: 'shop', amount: 800 } }],
      ],
    ],
    [
      'MerchantPaid',
      { paymentId: 'lost', payerId: 'ann', merchantId: 'shop', codeId: 'c', amount: 800, dynamic: true },
      'wallet:shop',
      [['settlePayment', 'MerchantPaid-1']],
    ],
    ['RedPacketSent', { redPacketId: 'p', amount: 10 }, 'packet:p', [['escrowPacket', 'RedPacketSent-1']]],
    ['RedPacketEscrowed', { redPacketId: 'p' }, 'packet:p', [['scheduleExpiry', 'RedPacketEscrowed-1']]],
    [
      'RedPacketClaimed',
      { redPacketId: 'p', senderId: 'ann', userId: 'bob', amount: 7, remainingShares: 1 },
      'packet:p',
      [['credit', 'RedPacketClaimed-1', 'bob', { type: 'RedPacketShareReceived', data: { redPacketId: 'p', senderId: 'ann', userId: 'bob', amount: 7 } }]],
    ],
    [
      'RedPacketClaimed',
      { redPacketId: 'p', senderId: 'ann', userId: 'bob', amount: 7, remainingShares: 0 },
      'packet:p',
      [
        ['credit', 'RedPacketClaimed-1', 'bob', { type: 'RedPacketShareReceived', data: { redPacketId: 'p', senderId: 'ann', userId: 'bob', amount: 7 } }],
        ['cancelExpiry', 'p'],
      ],
    ],
    [
      'RedPacketExpired',
      { redPacketId: 'p', senderId: 'ann', amount: 9, remainingShares: 2 },
      'packet:p',
      [
        ['cancelExpiry', 'p'],
        ['credit', 'RedPacketExpired-1', 'ann', { type: 'RedPacketRefunded', data: { redPacketId: 'p', senderId: 'ann', amount: 9 } }],
      ],
    ],
    ['RedPacketExpired', { redPacketId: 'p', senderId: 'ann', amount: 0, remainingShares: 0 }, 'packet:p', [['cancelExpiry', 'p']]],
    ['WalletFunded', { userId: 'ann', fundingId: 'f', amount: 1, source: { kind: 'card', cardId: 'c' } }, undefined, []],
  ])('%s %j', async (type, data, key, expected) => {
    const event = stored(type, data);
    const { calls, effects } = recording();
    expect(reactionKey(event)).toBe(key);
    await reactTo(event, effects);
    expect(calls).toEqual(expected);
  });
});
