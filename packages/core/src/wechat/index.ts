/**
 * The WeChat server API client (../shared/wechat-api.md): login, QR codes, content checks and
 * subscribe messages, with the shared access-token cache. The server logs participants in with it;
 * the workers send notifications with it.
 */
export { createWeChatApi, type WeChatApi } from './api.js';
export { createWeChatClient, type QRCodeImage } from './client.js';
export { WeChatError, WeChatTransportError } from './errors.js';
export { openEnvelope, pushSignature, sealEnvelope, signatureMatches } from './push.js';
export { pageCodeParams, qrSceneSchema } from './schemas.js';
export { WeChatSession } from './session.js';
