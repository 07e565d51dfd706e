import { SetMetadata } from '@nestjs/common';

/** Marks a route that needs no bearer token (health, metrics, API docs). The api's AuthGuard reads it. */
export const PUBLIC_ROUTE = 'zan:public';
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
