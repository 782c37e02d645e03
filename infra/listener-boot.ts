// What the listener instance runs at first boot, and the systemd units and watchdog it installs. Kept
// as pure functions so tests can run shellcheck, systemd-analyze verify and the scripts themselves.

export interface ListenerPaths {
  /** The bundle, its configuration, the node link and the watchdog. */
  installDir: string;
  /** The health file and the boot's failure marker. */
  stateDir: string;
}

export const listenerPaths: ListenerPaths = { installDir: "/opt/changefeed", stateDir: "/var/lib/changefeed" };

/** Seconds without a rewrite after which the health file counts as stale (the listener writes it every second). */
export const healthMaxAgeSeconds = 30;

/** The listener's service: restarts forever (no start limit), as an unprivileged user with a read-only system. */
export function listenerUnit({ installDir, stateDir }: ListenerPaths): string {
  return `[Unit]
Description=Change feed listener (Redis keyspace notifications -> DynamoDB)
After=network-online.target
Wants=network-online.target
# Never stop trying: Redis or the writer may be away for a long time.
StartLimitIntervalSec=0

[Service]
Type=simple
User=changefeed
ExecStart=${installDir}/node --enable-source-maps ${installDir}/index.mjs ${installDir}/listener.json
Restart=always
RestartSec=2
TimeoutStopSec=20
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=true
PrivateTmp=true
ReadWritePaths=${stateDir}

[Install]
WantedBy=multi-user.target
`;
}

/** Runs the watchdog once. */
export function watchdogUnit({ installDir }: ListenerPaths): string {
  return `[Unit]
Description=Restart the change feed listener when its health file is stale or missing

[Service]
Type=oneshot
ExecStart=${installDir}/watchdog.sh
`;
}

/** Runs the watchdog every minute, from two minutes after boot. */
export const watchdogTimer = `[Unit]
Description=Check the change feed listener's health every minute

[Timer]
OnBootSec=2min
OnUnitActiveSec=1min

[Install]
WantedBy=timers.target
`;

/** A missing health file counts as stale: a listener that never started is restarted too. */
export function watchdogScript({ stateDir }: ListenerPaths): string {
  return `#!/bin/bash
# Restarts the change feed listener when its health file is missing or older than MAX_AGE_SECONDS.
set -euo pipefail
health="\${HEALTH_FILE:-${stateDir}/health.json}"
max_age="\${MAX_AGE_SECONDS:-${healthMaxAgeSeconds}}"
if [[ -f "$health" ]]; then
  age=$(( $(date +%s) - $(stat -c %Y "$health") ))
  if (( age < max_age )); then
    exit 0
  fi
  reason="health file $health is \${age}s old"
else
  reason="health file $health is missing"
fi
echo "changefeed-watchdog: $reason: restarting changefeed.service"
systemctl restart changefeed.service
`;
}

/** Where the listener sends its metrics: the CloudWatch agent's EMF socket (listener/emf-agent.ts). */
export const metricsAgentAddress = "tcp://127.0.0.1:25888";

/** The CloudWatch agent's configuration: an EMF listener only (the documents name their log group). */
export const cloudWatchAgentConfig = JSON.stringify(
  { agent: { run_as_user: "cwagent" }, logs: { metrics_collected: { emf: { service_address: metricsAgentAddress } } } },
  null,
  2,
);

const agentConfigPath = "/opt/aws/amazon-cloudwatch-agent/etc/changefeed-agent.json";

export interface BootSettings {
  bucket: string;
  region: string;
  /** The artifacts' S3 version ids: they change whenever the bundle, the configuration or the mapping file does. */
  artifactVersions: string;
  /** Node.js major to install (the Lambdas' runtime major). */
  nodeMajor: number;
}

const files = ["listener.zip", "listener.json", "mappings.json"];

/**
 * First boot on Amazon Linux 2023, with no internet: packages come from the distribution's
 * repositories (served from S3 through the gateway endpoint), artifacts from the bucket. Every step is
 * logged to the console (`aws ec2 get-console-output`) and the boot log; a download is retried with
 * a bounded backoff; a step that still fails writes `boot-failed` and exits non-zero (cloud-init
 * reports the failure). Sourced by tests, it only defines its functions.
 */
export function bootScript(settings: BootSettings, paths: ListenerPaths = listenerPaths): string {
  const { installDir, stateDir } = paths;
  const heredoc = (path: string, text: string) => `cat > ${path} <<'UNIT'\n${text}UNIT`;
  return `#!/bin/bash
# elasticache-patterns change-feed listener, first boot. Artifacts ${settings.artifactVersions}
set -uo pipefail
readonly BUCKET="${settings.bucket}" REGION="${settings.region}"
readonly INSTALL="${installDir}" STATE="${stateDir}" BOOT_LOG="\${BOOT_LOG:-/var/log/changefeed-boot.log}"

log() {
  local line
  line="$(date -u +%Y-%m-%dT%H:%M:%SZ) changefeed-boot: $*"
  echo "$line" >> "$BOOT_LOG"
  echo "$line" > /dev/console 2>/dev/null || echo "$line" >&2
}

fail() {
  log "FAILED: $*"
  mkdir -p "$STATE" && echo "$*" > "$STATE/boot-failed"
  exit 1
}

# retry ATTEMPTS COMMAND...: backoff doubles from RETRY_DELAY seconds (default 2) up to 60.
retry() {
  local attempts=$1 attempt=1 delay="\${RETRY_DELAY:-2}"
  shift
  until "$@"; do
    if (( attempt >= attempts )); then
      return 1
    fi
    log "attempt $attempt of $attempts failed: $*; next in \${delay}s"
    sleep "$delay"
    attempt=$(( attempt + 1 ))
    delay=$(( delay * 2 > 60 ? 60 : delay * 2 ))
  done
}

main() {
  log "1/6 installing Node.js ${settings.nodeMajor}, unzip and the CloudWatch agent"
  retry 10 dnf install -y nodejs${settings.nodeMajor} unzip amazon-cloudwatch-agent || fail "dnf install nodejs${settings.nodeMajor} unzip amazon-cloudwatch-agent"
  local node
  node="$(command -v node-${settings.nodeMajor} || command -v node)" || fail "no node binary after installing nodejs${settings.nodeMajor}"
  log "2/6 creating the changefeed user and folders"
  id changefeed > /dev/null 2>&1 || useradd --system --no-create-home --shell /sbin/nologin changefeed || fail "useradd changefeed"
  install -d -o changefeed -g changefeed "$INSTALL" "$STATE" || fail "install -d $INSTALL $STATE"
  ln -sf "$node" "$INSTALL/node"
  log "3/6 downloading the listener from s3://$BUCKET/listener/"
  for file in ${files.join(" ")}; do
    retry 10 aws s3 cp --only-show-errors --region "$REGION" "s3://$BUCKET/listener/$file" "$INSTALL/$file" || fail "download of s3://$BUCKET/listener/$file"
  done
  unzip -o -q "$INSTALL/listener.zip" -d "$INSTALL" || fail "unzip listener.zip"
  log "4/6 starting the CloudWatch agent (the listener's metrics)"
  ${heredoc(agentConfigPath, cloudWatchAgentConfig + "\n")}
  # The feed runs without its metrics rather than not at all; the missing heartbeat raises an alarm.
  /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c "file:${agentConfigPath}" ||
    log "WARNING: the CloudWatch agent did not start; the listener runs but its metrics will not reach CloudWatch"
  log "5/6 installing the service, the watchdog and its timer"
  ${heredoc(`"$INSTALL/watchdog.sh"`, watchdogScript(paths))}
  chmod 755 "$INSTALL/watchdog.sh"
  ${heredoc("/etc/systemd/system/changefeed.service", listenerUnit(paths))}
  ${heredoc("/etc/systemd/system/changefeed-health.service", watchdogUnit(paths))}
  ${heredoc("/etc/systemd/system/changefeed-health.timer", watchdogTimer)}
  log "6/6 starting changefeed.service and changefeed-health.timer"
  systemctl daemon-reload || fail "systemctl daemon-reload"
  systemctl enable --now changefeed.service changefeed-health.timer || fail "systemctl enable --now changefeed"
  rm -f "$STATE/boot-failed"
  log "done"
}

if [[ "\${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
`;
}
