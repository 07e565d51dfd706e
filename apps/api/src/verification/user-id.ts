import { ID_MESSAGE, ID_PATTERN, badRequest } from '../http/validation';

/** A user id in a path: the ids' pattern, a 400 naming `userId` otherwise. */
export const requireUserId = (userId: string): string => {
  if (!ID_PATTERN.test(userId)) throw badRequest('userId', `userId ${ID_MESSAGE}`);
  return userId;
};
