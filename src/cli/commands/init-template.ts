/** The starter written by `reconcile init`. A test keeps it valid against the schema and rules. */
export const STARTER = `# yaml-language-server: $schema=./cluster.schema.json
#
# Starter cluster spec written by \`reconcile init\`. Edit it, then:
#   reconcile pin        # sha256 of every local artifact, written below
#   reconcile validate   # every problem at once, as file:line:col
#
# Secrets are references, never values: {secret: NAME} is read from RECONCILE_SECRET_NAME
# or from the secrets file (mode 0600). \`reconcile schema\` prints every key with its meaning.

apiVersion: reconcile/v1
kind: PrefectCluster
metadata:
  name: my-cluster

ssh:
  user: root
  identityFile: ~/.ssh/id_ed25519
  knownHostsFile: known_hosts    # \`reconcile trust\` records the host keys here

nodes:
  - name: server
    address: prefect-server.internal
  - name: worker-1
    address: prefect-worker-1.internal

# Everything that crosses the air gap. Build the environment with pixi-pack, copy it here,
# then run \`reconcile pin\` to replace the placeholder digests.
artifacts:
  prefect-env:
    kind: tar                    # or pixi-pack / conda-pack
    source: artifacts/prefect-env.tar
    sha256: "0000000000000000000000000000000000000000000000000000000000000000"
  flow-env:
    kind: tar
    source: artifacts/flow-env.tar
    sha256: "0000000000000000000000000000000000000000000000000000000000000000"

server:
  node: server
  prefect:
    env: prefect-env
    settings:
      PREFECT_SERVER_ANALYTICS_ENABLED: false
  database:
    type: sqlite                 # or postgresql from a deb artifact, see cluster.yaml.example

workPools:
  - name: main
    queues:
      - name: critical
        priority: 1
      - name: batch
        priority: 2

workers:
  - node: worker-1
    env: prefect-env
    pools:
      - pool: main

flows:
  - name: hello
    env: flow-env
    source: flows/hello
    entrypoint: hello.py:hello
    pool: main
    deployments:
      - name: daily
        queue: batch
        schedules:
          - cron: "0 6 * * *"
            timezone: UTC
        parameters:
          name: world
`;
