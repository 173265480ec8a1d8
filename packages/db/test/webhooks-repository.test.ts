// PgWebhookRepository passes the webhooks contract suite on PGlite and on Postgres.
import { PgEventTypeRepository, PgWebhookRepository, PgWebhookSecretStore } from "@vx/db";
import { createUser, describeDatabases } from "@vx/db/testing";
import { DEFAULT_EVENT_TYPES } from "@vx/webhooks";
import {
  describeEventTypeRepository,
  describeWebhookRepository,
  describeWebhookSecretStore,
} from "@vx/webhooks/testing";

const DEFAULT_NAMES = DEFAULT_EVENT_TYPES.map((type) => type.name);

describeDatabases("webhooks repository", ({ db }) => {
  describeWebhookRepository("PgWebhookRepository", async () => {
    // Each contract test starts from an empty outbox: claims see every due message in the database.
    await db().query("TRUNCATE public.webhooks, public.webhook_events CASCADE");
    return {
      repository: new PgWebhookRepository(db()),
      createUser: () => createUser(db()),
      createAgent: async (userId) => {
        const { rows } = await db().query<{ id: string }>(
          "INSERT INTO public.agents (user_id, name) VALUES ($1, 'agent') RETURNING id",
          [userId],
        );
        return rows[0]!.id;
      },
    };
  });
});

describeDatabases("webhook secrets at rest", ({ db }) => {
  describeWebhookSecretStore("PgWebhookSecretStore", async () => {
    await db().query("TRUNCATE public.webhooks, public.webhook_events CASCADE");
    return {
      repository: new PgWebhookRepository(db()),
      store: new PgWebhookSecretStore(db()),
      createUser: () => createUser(db()),
      // Straight from the tables, as anyone reading the database or a dump of it would see them.
      readStoredSecrets: async () => {
        const { rows } = await db().query<{ secret: string }>(
          `SELECT secret FROM public.webhooks UNION ALL SELECT secret FROM public.webhook_previous_secrets`,
        );
        return rows.map((r) => r.secret);
      },
    };
  });
});

describeDatabases("webhook event types", ({ db }) => {
  describeEventTypeRepository("PgEventTypeRepository", async () => {
    await db().query("DELETE FROM public.webhook_event_types WHERE NOT (name = ANY ($1))", [DEFAULT_NAMES]);
    return new PgEventTypeRepository(db());
  });
});
