// Serves a built single-page site (e.g. the dashboard) from a folder: gzip when asked, SPA fallback for page paths.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { NotFound } from '@twofold/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpApp } from './http-app.js';

export interface StaticSiteOptions {
  /** The built site: index.html at its root. When it has no index.html, `/` explains how to build it. */
  readonly root: string;
  /** Paths under these prefixes are never the page: an unknown one stays a JSON 404. */
  readonly apiPrefixes?: readonly string[];
  /** What `/` says when the site is not built. */
  readonly notBuiltHint?: string;
}

interface SiteFile {
  readonly body: Buffer;
  readonly gzipped: Buffer | undefined;
  readonly type: string;
  /** Vite names assets after their content: they never change, so browsers may keep them for good. */
  readonly immutable: boolean;
}

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};
const compressible = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);

function filesUnder(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(root, path) : entry.isFile() ? [path] : [];
  });
}

/** Reads the whole site once (it is small), gzipped ahead of time: each request is a map lookup. */
function loadSite(root: string): Map<string, SiteFile> {
  const site = new Map<string, SiteFile>();
  let exists = false;
  try {
    exists = statSync(join(root, 'index.html')).isFile();
  } catch {
    exists = false;
  }
  if (!exists) return site;
  for (const path of filesUnder(root)) {
    const extension = extname(path);
    const body = readFileSync(path);
    const urlPath = `/${relative(root, path).split(sep).join('/')}`;
    site.set(urlPath, {
      body,
      gzipped: compressible.has(extension) && body.length > 512 ? gzipSync(body, { level: 9 }) : undefined,
      type: contentTypes[extension] ?? 'application/octet-stream',
      immutable: urlPath.startsWith('/assets/'),
    });
  }
  return site;
}

/**
 * Registers `GET /` and `GET /*`: a file of the site by its path, else index.html (the page routes itself), except
 * under the API's prefixes, where an unknown path is the usual JSON 404.
 */
export function staticSiteRoutes(app: HttpApp, options: StaticSiteOptions): void {
  const { root, apiPrefixes = ['/api/', '/health/', '/metrics'], notBuiltHint = 'The page is not built.' } = options;
  const site = loadSite(root);
  const index = site.get('/index.html');

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const raw = request.url.split('?', 1)[0] ?? '/';
    let path: string;
    try {
      path = decodeURIComponent(raw);
    } catch {
      // a malformed escape names no file of the site
      throw new NotFound('file', raw);
    }
    if (apiPrefixes.some((prefix) => path === prefix.replace(/\/$/, '') || path.startsWith(prefix))) throw new NotFound('route', `${request.method} ${path}`);
    if (index === undefined) return reply.code(404).type('text/plain; charset=utf-8').send(notBuiltHint);
    const file = site.get(path) ?? (extname(path) === '' ? index : undefined);
    if (file === undefined) throw new NotFound('file', path);
    const acceptsGzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    reply.header('content-type', file.type).header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache').header('vary', 'accept-encoding');
    if (file.gzipped !== undefined && acceptsGzip) return reply.header('content-encoding', 'gzip').send(file.gzipped);
    return reply.send(file.body);
  };
  app.get('/', { schema: { hide: true } }, handler);
  app.get('/*', { schema: { hide: true } }, handler);
}
