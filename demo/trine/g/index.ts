// The trine host's shared module (plugins import it as `#g`).
export { say } from '../../kit/index.ts';
