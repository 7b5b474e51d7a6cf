# Turns the platform loader's node list into Kubernetes Node objects managed by kwok.
# In:  [{"name", "labels": {..}, "taints": [{"key","value","effect"}], "capacity": {"cpu","memoryGiB","diskGiB"}}]
# Out: a v1 List of Nodes. The kwok annotation makes kwok own the node (Ready, heartbeats).
# $kubeletVersion: what the nodes report, the K3s release of production (jq --arg).
{
  apiVersion: "v1",
  kind: "List",
  items: [ .[] | {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: .name,
      annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
      labels: ({
        "kubernetes.io/hostname": .name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "type": "kwok"
      } + (.labels // {}))
    },
    spec: { taints: [ (.taints // [])[] | {key, effect} + (if .value then {value} else {} end) ] },
    status: (
      {
        cpu: ((.capacity.cpu // 2) | tostring),
        memory: "\(.capacity.memoryGiB // 4)Gi",
        "ephemeral-storage": "\(.capacity.diskGiB // 50)Gi",
        pods: "110"
      } as $res | {
        capacity: $res, allocatable: $res,
        nodeInfo: {
          kubeletVersion: $kubeletVersion, kubeProxyVersion: $kubeletVersion,
          containerRuntimeVersion: "containerd://kwok", kernelVersion: "kwok",
          osImage: "Debian GNU/Linux 12 (bookworm)", operatingSystem: "linux", architecture: "amd64",
          machineID: .name, systemUUID: .name, bootID: ""
        }
      }
    )
  } ]
}
