// The service's wiring: each @vx domain service over its @vx/db adapter, and IVR events sent on as webhooks.
import { ApiKeyService } from "@vx/api-keys";
import type { AuditService } from "@vx/compliance";
import {
  createAuditService,
  type Database,
  PgApiKeyRepository,
  PgIvrMenuRepository,
  PgIvrSessionRepository,
  PgWebhookRepository,
} from "@vx/db";
import { IvrMenuService, IvrService } from "@vx/ivr";
import { DeliveryWorker, WebhookService } from "@vx/webhooks";

export interface ServiceOptions {
  /**
   * Lets webhooks target http://127.0.0.1 (the example's own receiver). Production keeps the defaults:
   * https only, and no private or loopback addresses.
   */
  allowLocalWebhooks?: boolean;
}

export interface Services {
  databaseService: Database;
  apiKeyService: ApiKeyService;
  webhookService: WebhookService;
  /** Delivers queued webhook messages; a long-running service calls `start()`, the example `runOnce()`. */
  worker: DeliveryWorker;
  /** The specification's synchronous, in-memory IVR. */
  ivrMenuService: IvrMenuService;
  /** The same engine with menus and sessions stored in the database. */
  ivrService: IvrService;
  auditService: AuditService;
  close(): Promise<void>;
}

export function createServices(db: Database, options: ServiceOptions = {}): Services {
  const local = options.allowLocalWebhooks ?? false;
  const webhookRepository = new PgWebhookRepository(db);
  const webhookService = new WebhookService({
    repository: webhookRepository,
    allowHttp: local,
    allowPrivateUrls: local,
  });
  const worker = new DeliveryWorker({ repository: webhookRepository, allowPrivateUrls: local });
  return {
    databaseService: db,
    apiKeyService: new ApiKeyService({ repository: new PgApiKeyRepository(db) }),
    webhookService,
    worker,
    ivrMenuService: new IvrMenuService(),
    ivrService: new IvrService({
      menus: new PgIvrMenuRepository(db),
      sessions: new PgIvrSessionRepository(db),
      // Calls' IVR events reach the user's webhooks like any other event.
      emit: (event, payload, { userId }) => webhookService.triggerEvent(event, payload, { userId }),
    }),
    auditService: createAuditService(db),
    async close() {
      await worker.stop();
      await webhookService.close();
    },
  };
}
