/** A TCP proxy in front of Postgres that a fault test cuts: an outage without touching the real server. */
import { connect, createServer, type Server, type Socket } from "node:net";

export interface PgProxy {
  /** `targetUrl` with host and port replaced by the proxy's. */
  url: string;
  /** Refuses new connections (the port stops listening) and resets every open one, as a crashed server would. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 forwarding to the host:port of `targetUrl`; `down: true` starts it cut. */
export async function startPgProxy(targetUrl: string, options: { down?: boolean } = {}): Promise<PgProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  };
  let server: Server | undefined;
  let port = 0;

  const listen = async () => {
    const next = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      track(client);
      track(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      next.once("error", reject);
      next.listen(port, "127.0.0.1", () => resolve());
    });
    port = (next.address() as { port: number }).port;
    server = next;
  };
  const cut = async () => {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.resetAndDestroy();
    if (closing) await new Promise((resolve) => closing.close(resolve));
  };

  await listen();
  if (options.down) await cut();
  const url = new URL(targetUrl);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return { url: url.toString(), cut, restore: listen, close: cut };
}
