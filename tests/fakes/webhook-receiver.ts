import { createHmac } from 'node:crypto';
import { HttpFake } from './http-fake.js';

/** A generic webhook receiver: records every POST and answers 200 (unless told to fail). */
export class WebhookReceiver extends HttpFake {
  constructor() {
    super(() => ({ status: 200, body: { received: true } }));
  }

  /** What a receiver following docs/notifications.md computes to check a request. */
  static expectedSignature(secret: string, timestamp: string, body: string): string {
    return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
  }
}
