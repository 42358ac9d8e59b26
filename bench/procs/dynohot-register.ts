// Registers dynohot's loader quietly (its documented way to pass options):
// `node --import ./dynohot-register.mjs host.mjs`.
import { register } from 'node:module';

register('dynohot/loader', { parentURL: import.meta.url, data: { silent: true } });
