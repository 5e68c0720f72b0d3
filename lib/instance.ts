/** This process's id among instances sharing one database (also the prefix of its connection ids). */
import { randomBytes } from 'node:crypto';

const g = globalThis as { __hangarInstanceId?: string };

export const instanceId = (): string => (g.__hangarInstanceId ??= `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`);
