import { inject } from 'vitest';

export const stack = inject('stack');
export const urls = stack.urls;
export const projectId = stack.projectId;
