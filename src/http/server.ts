import { createServer, type RequestListener, type Server } from 'node:http';

/**
 * The HTTP server the service listens with, the same for the service and its tests.
 * Idle kept-alive connections are held longer than the 60 s of the load balancers in front
 * (so the balancer, not us, closes them and never sends on a connection we just closed).
 */
export function createHttpServer(app: RequestListener): Server {
  const server = createServer(app);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0; // image uploads can take long; stalled clients are bounded by socket timeouts
  return server;
}
