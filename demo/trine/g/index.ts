// The trine host's shared module (plugins import it by the name `#g`).
export { say } from '../../kit/index.ts';
