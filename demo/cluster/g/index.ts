// The cluster host's shared module (plugins import it by the name `#g`).
export { say } from '../../kit/index.ts';

/** The contract of the cluster host and its plugin. */
export interface ClusterContract {
  plugins: {
    greeter: {
      functions: {
        /** The line a worker serves and prints: the build, and how many greetings this worker has made. */
        greet(worker: number): string;
      };
    };
  };
}
