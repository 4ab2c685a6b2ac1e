import { z } from 'zod';

export const API_VERSION = '0.1.0';

export const HealthOut = z.object({ status: z.literal('ok'), version: z.string() }).meta({ id: 'Health' });
