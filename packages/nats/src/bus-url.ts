// The bus URL a deployment names: `nats://host:port[,host:port…]`, one URL or several (the cluster's seed servers).

/** The server URLs of `nats://a:4222,b:4222` (or `nats://a:4222,nats://b:4222`); throws RangeError naming what is wrong. */
export function parseBusUrl(url: string): string[] {
  const trimmed = url.trim();
  if (!trimmed.startsWith('nats://')) throw new RangeError(`the bus must be nats://host:port[,host:port…], not "${url}"`);
  const parts = trimmed.slice('nats://'.length).split(',').map((part) => part.trim().replace(/^nats:\/\//, ''));
  return parts.map((part) => {
    if (!/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?\/?$/.test(part)) throw new RangeError(`the bus must be nats://host:port[,host:port…]: "${part}" is not host:port`);
    const port = /:(\d{1,5})\/?$/.exec(part)?.[1];
    if (port !== undefined && Number(port) > 65_535) throw new RangeError(`the bus names port ${port}, above 65535`);
    return `nats://${part.replace(/\/$/, '')}`;
  });
}
