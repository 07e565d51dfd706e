import { TipBody } from '../tips/praise-tip/praise-tip.dto';
import { strictValidationPipe } from './validation';

describe('strictValidationPipe', () => {
  const refusal = async (body: unknown) => {
    try {
      await strictValidationPipe().transform(body, { type: 'body', metatype: TipBody });
    } catch (error) {
      return (error as { problem: { errors: { field: string; message: string }[] } }).problem.errors;
    }
    throw new Error('accepted');
  };

  it('answers one message per field: an empty tip body names each missing field once', async () => {
    const errors = await refusal({});
    expect(errors.map((e) => e.field)).toEqual(['authorId', 'articleId', 'amount']);
  });

  it('still lists every failing field, and unknown ones', async () => {
    const errors = await refusal({ authorId: 7, articleId: 'why-zan', amount: '888', extra: true });
    expect(errors.map((e) => e.field).sort()).toEqual(['amount', 'authorId', 'extra']);
  });
});
