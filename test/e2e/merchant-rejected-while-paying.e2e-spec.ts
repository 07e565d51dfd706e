import { productStream, walletStream } from '@zan/contracts';
import { holdFirstAppend, twoApiReplicas } from '../support/api-replicas';
import { clientFor, fundedUser } from '../support/http-client';

/**
 * Two api replicas on one PostgreSQL store. A payment by code is decided on the payer's wallet with
 * whether the merchant is still one read from the merchant's wallet (a cached reading stands for
 * FRESH_MS, 500 ms); replica B rejects the merchant and writes to the payer's wallet while replica
 * A's payment is on its way to the append. A's append conflicts and the payment is decided again,
 * well past 500 ms after the rejection: it must be decided on the merchant as it is then.
 */
describe('a payment by code decided again after its merchant was rejected on another replica', () => {
  const replicas = twoApiReplicas('payreject');

  it('is refused 422 not-a-merchant, and nothing is debited', async () => {
    const { a, b } = replicas;
    await fundedUser(a, 'pr-shop', 0, 'business');
    await fundedUser(a, 'pr-payer', 10_000);
    const code = (await clientFor(a, 'pr-shop').post('/v1/merchants/me/payment-codes', {}).expect(201)).body.code as string;

    // A's first append to the payer's wallet waits until B has rejected the merchant and funded the payer.
    const held = holdFirstAppend(a, walletStream('pr-payer'));
    const payment = clientFor(a, 'pr-payer')
      .post('/v1/payments', { code, amount: 300 })
      .then((answer) => answer);
    await held.reached;
    await clientFor(b, 'pr-admin', { roles: ['admin'] })
      .post('/v1/admin/wallets/pr-shop/verification', { decision: 'rejected', reason: '执照吊销' }, null)
      .expect(201);
    await clientFor(b, 'pr-payer').post('/v1/wallets/me/fundings', { amount: 100, cardId: 'card-pr-payer' }).expect(201);
    await new Promise((resolve) => setTimeout(resolve, 700)); // past FRESH_MS: no reading from before the rejection may stand
    held.release();

    const answer = await payment;
    held.restore();
    expect({ status: answer.status, type: answer.body.type }).toEqual({ status: 422, type: expect.stringMatching(/not-a-merchant$/) });
    const paid = (await held.store.readStream(walletStream('pr-payer'))).filter((event) => event.type === 'MerchantPaid');
    expect(paid).toEqual([]);
  });

  it('an order decided again after its merchant was rejected is refused 422 not-a-merchant, and nothing is taken', async () => {
    const { a, b } = replicas;
    await fundedUser(a, 'po-shop', 0, 'business');
    await fundedUser(a, 'po-buyer', 10_000);
    await fundedUser(a, 'po-other', 10_000);
    const { productId } = (await clientFor(a, 'po-shop').post('/v1/merchants/me/products', { title: '月饼', price: 300, stock: 10 }).expect(201)).body as {
      productId: string;
    };

    // A's first append to the product (the buyer's reservation) waits until B has sold a unit (the
    // product's stream moves on: A's append conflicts) and rejected the merchant.
    const held = holdFirstAppend(a, productStream(productId));
    const order = clientFor(a, 'po-buyer')
      .post('/v1/orders', { productId, quantity: 1, expectedPrice: 300 })
      .then((answer) => answer);
    await held.reached;
    await clientFor(b, 'po-other').post('/v1/orders', { productId, quantity: 1, expectedPrice: 300 }).expect(201);
    await clientFor(b, 'po-admin', { roles: ['admin'] })
      .post('/v1/admin/wallets/po-shop/verification', { decision: 'rejected', reason: '执照吊销' }, null)
      .expect(201);
    await new Promise((resolve) => setTimeout(resolve, 700)); // past FRESH_MS: no reading from before the rejection may stand
    held.release();

    const answer = await order;
    held.restore();
    expect({ status: answer.status, type: answer.body.type }).toEqual({ status: 422, type: expect.stringMatching(/not-a-merchant$/) });
    const taken = (await held.store.readStream(productStream(productId))).filter(
      (event) => event.type === 'ProductStockReserved' && (event.data as { buyerId: string }).buyerId === 'po-buyer',
    );
    expect(taken).toEqual([]);
    const debited = (await held.store.readStream(walletStream('po-buyer'))).filter((event) => event.type === 'OrderPlaced');
    expect(debited).toEqual([]);
  });
});
