// PM2 runs the cluster's primary as one process in fork mode; the primary
// forks its own workers with node:cluster and coordinates their reloads.
// The binary is started as it is (interpreter "none"), so cluster.fork()
// re-runs host/main.ts and not PM2's process container.
module.exports = {
  apps: [
    {
      name: 'hotswap-cluster',
      cwd: `${__dirname}/..`,
      script: process.execPath,
      args: '--import tsx host/main.ts',
      interpreter: 'none',
      exec_mode: 'fork',
      instances: 1,
      // Time for the primary to stop its workers on SIGINT before PM2 kills it.
      kill_timeout: 10000,
      env: {
        DEMO_BIN: process.env.DEMO_BIN,
        DEMO_PID_FILE: process.env.DEMO_PID_FILE,
        DEMO_PORT: process.env.DEMO_PORT,
        DEMO_INTERVAL_MS: process.env.DEMO_INTERVAL_MS,
      },
    },
  ],
};
