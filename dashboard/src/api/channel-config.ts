// The server's own zod schemas for channel configs (src/modules/notifications/
// channel-config.schemas.ts, a zod-only file made to be shared), so the dashboard's form accepts
// and refuses exactly what the API does. A value import, unlike the type-only ones in types.ts:
// that one file is bundled, nothing else of the server.
export { CONFIG_SCHEMAS, splitAddresses } from '../../../src/modules/notifications/channel-config.schemas';
