import { GroupBuyNotFound } from '@zan/domain';

const GROUP_BUY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A group buy id from a path: Zan mints them as lowercase uuids, anything else names no group buy (404). */
export const requireGroupBuyId = (id: string): string => {
  if (!GROUP_BUY_ID.test(id)) throw new GroupBuyNotFound(`no group buy ${id.slice(0, 64)}`);
  return id;
};
