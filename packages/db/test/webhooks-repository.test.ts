// PgWebhookRepository passes the webhooks contract suite on PGlite and on Postgres.
import { PgWebhookRepository } from "@vx/db";
import { createUser, describeDatabases } from "@vx/db/testing";
import { describeWebhookRepository } from "@vx/webhooks/testing";

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
