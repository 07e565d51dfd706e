import { ID_MESSAGE, ID_PATTERN, badRequest } from '../http/validation';

/** An article id in a path: the body's pattern, a 400 naming `id` otherwise. */
export const requireArticleId = (id: string): string => {
  if (!ID_PATTERN.test(id)) throw badRequest('id', `article id ${ID_MESSAGE}`);
  return id;
};
