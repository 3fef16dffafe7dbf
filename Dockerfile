# keepalived-ts in a container. Not built on the development machines (no container engine runs
# there); see docs/operations.md "Container" for how to run it and what it needs.
#
#   docker build -t keepalived-ts .
#   docker run -d --name keepalived-ts --network host \
#       --cap-add NET_ADMIN --cap-add NET_RAW \
#       -v /etc/keepalived:/etc/keepalived:ro \
#       keepalived-ts
#
# Build stage: compile TypeScript (and the native addon) with the full toolchain.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY grammar ./grammar
COPY native ./native
COPY binding.gyp tsconfig.json ./
COPY src ./src
COPY bin ./bin
# npm ci runs node-gyp for binding.gyp (build/Release/kts_native.node) and `prepare` (the build).
RUN npm ci && npm prune --omit=dev

# Run stage: Node plus the few tools notify and MISC_CHECK scripts commonly call.
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends iproute2 ipvsadm ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/keepalived-ts
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/bin ./bin
COPY --from=build /app/build/Release/kts_native.node ./build/Release/kts_native.node
COPY docs ./docs
COPY examples ./examples

# The configuration is mounted here (read-only is fine: keepalived-ts never writes it).
VOLUME ["/etc/keepalived"]
# --status listens on loopback by default; with host networking that is the host's loopback.
EXPOSE 9650/tcp
# VRRP, raw sockets and netlink need root in the container plus NET_ADMIN and NET_RAW; the image
# cannot grant them, `docker run --cap-add` must.
USER root
STOPSIGNAL SIGTERM
# tini forwards SIGHUP (reload), SIGUSR1/2 (dumps) and SIGTERM (clean stop) to node as PID 2.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/opt/keepalived-ts/bin/keepalived-ts"]
CMD ["-n", "-l", "-f", "/etc/keepalived/keepalived.conf", "--status", "127.0.0.1:9650"]
