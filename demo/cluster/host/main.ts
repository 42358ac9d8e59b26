// The cluster host: this file runs as the primary, and again in each worker.
import cluster from 'node:cluster';

if (cluster.isPrimary) await import('./primary.ts');
else await import('./worker.ts');
