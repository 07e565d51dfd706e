/** The checkpoints of the process managers an operator may re-drive (`zan process-managers redrive <name>`). */
export const PROCESS_MANAGER_CHECKPOINTS = { credits: 'process-manager:credits' } as const;

/**
 * Where an operator's request to re-drive a checkpoint's subscriber from an earlier position is
 * kept (in the same checkpoint store) until that subscriber has carried it out and deleted it.
 */
export const redriveRequestOf = (checkpoint: string): string => `${checkpoint}:redrive`;
