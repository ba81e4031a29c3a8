"""The protobuf field table of the kinds localcloud serves: facts (numbers, types,
JSON names) from k8s.io/api v0.36 and k8s.io/apimachinery; written by
proto_schema_build.py, do not edit by hand."""

# One message per entry: `number jsonName type`, where type is a scalar, a message, a
# leaf (time, microtime, duration, quantity, intstr, raw), [T] a list or {T} a map of
# string to T; a trailing = writes a zero value to JSON (a pointer, or no omitempty);
# a name of - means the message is inlined into its parent in JSON; @key after a list
# merges it by that key in a strategic merge patch (@ alone: a set of scalars).
TABLE = """
Namespace: 1 metadata ObjectMeta; 2 spec NamespaceSpec; 3 status NamespaceStatus
Pod: 1 metadata ObjectMeta; 2 spec PodSpec; 3 status PodStatus
Service: 1 metadata ObjectMeta; 2 spec ServiceSpec; 3 status ServiceStatus
ConfigMap: 1 metadata ObjectMeta; 2 data {string}; 3 binaryData {bytes}; 4 immutable bool=
Secret: 1 metadata ObjectMeta; 2 data {bytes}; 3 type string; 4 stringData {string};
  5 immutable bool=
Event: 1 metadata ObjectMeta; 2 involvedObject ObjectReference; 3 reason string; 4 message string;
  5 source EventSource; 6 firstTimestamp time; 7 lastTimestamp time; 8 count int32; 9 type string;
  10 eventTime microtime; 11 series EventSeries; 12 action string; 13 related ObjectReference;
  14 reportingComponent string=; 15 reportingInstance string=
Node: 1 metadata ObjectMeta; 2 spec NodeSpec; 3 status NodeStatus
Deployment: 1 metadata ObjectMeta; 2 spec DeploymentSpec; 3 status DeploymentStatus
ReplicaSet: 1 metadata ObjectMeta; 2 spec ReplicaSetSpec; 3 status ReplicaSetStatus
StatefulSet: 1 metadata ObjectMeta; 2 spec StatefulSetSpec; 3 status StatefulSetStatus
DaemonSet: 1 metadata ObjectMeta; 2 spec DaemonSetSpec; 3 status DaemonSetStatus
Job: 1 metadata ObjectMeta; 2 spec JobSpec; 3 status JobStatus
Scale: 1 metadata ObjectMeta; 2 spec ScaleSpec; 3 status ScaleStatus
ObjectMeta: 1 name string; 2 generateName string; 3 namespace string; 4 selfLink string;
  5 uid string; 6 resourceVersion string; 7 generation int64; 8 creationTimestamp time;
  9 deletionTimestamp time; 10 deletionGracePeriodSeconds int64=; 11 labels {string};
  12 annotations {string}; 13 ownerReferences [OwnerReference]@uid; 14 finalizers [string]@;
  17 managedFields [ManagedFieldsEntry]
NamespaceSpec: 1 finalizers [string]
NamespaceStatus: 1 phase string; 2 conditions [NamespaceCondition]@type
PodSpec: 1 volumes [Volume]@name; 2 containers [Container]@name; 3 restartPolicy string;
  4 terminationGracePeriodSeconds int64=; 5 activeDeadlineSeconds int64=; 6 dnsPolicy string;
  7 nodeSelector {string}; 8 serviceAccountName string; 9 serviceAccount string; 10 nodeName string;
  11 hostNetwork bool; 12 hostPID bool; 13 hostIPC bool; 14 securityContext PodSecurityContext;
  15 imagePullSecrets [LocalObjectReference]@name; 16 hostname string; 17 subdomain string;
  18 affinity Affinity; 19 schedulerName string; 20 initContainers [Container]@name;
  21 automountServiceAccountToken bool=; 22 tolerations [Toleration]; 23 hostAliases [HostAlias]@ip;
  24 priorityClassName string; 25 priority int32=; 26 dnsConfig PodDNSConfig;
  27 shareProcessNamespace bool=; 28 readinessGates [PodReadinessGate]; 29 runtimeClassName string=;
  30 enableServiceLinks bool=; 31 preemptionPolicy string=; 32 overhead {quantity};
  33 topologySpreadConstraints [TopologySpreadConstraint]@topologyKey;
  34 ephemeralContainers [EphemeralContainer]@name; 35 setHostnameAsFQDN bool=; 36 os PodOS;
  37 hostUsers bool=; 38 schedulingGates [PodSchedulingGate]@name;
  39 resourceClaims [PodResourceClaim]@name; 40 resources ResourceRequirements;
  41 hostnameOverride string=; 43 schedulingGroup PodSchedulingGroup
PodStatus: 1 phase string; 2 conditions [PodCondition]@type; 3 message string; 4 reason string;
  5 hostIP string; 6 podIP string; 7 startTime time; 8 containerStatuses [ContainerStatus];
  9 qosClass string; 10 initContainerStatuses [ContainerStatus]; 11 nominatedNodeName string;
  12 podIPs [PodIP]@ip; 13 ephemeralContainerStatuses [ContainerStatus]; 14 resize string;
  15 resourceClaimStatuses [PodResourceClaimStatus]@name; 16 hostIPs [HostIP]@ip;
  17 observedGeneration int64; 18 extendedResourceClaimStatus PodExtendedResourceClaimStatus;
  19 allocatedResources {quantity}; 20 resources ResourceRequirements;
  21 nodeAllocatableResourceClaimStatuses [NodeAllocatableResourceClaimStatus]
ServiceSpec: 1 ports [ServicePort]@port; 2 selector {string}; 3 clusterIP string; 4 type string;
  5 externalIPs [string]; 7 sessionAffinity string; 8 loadBalancerIP string;
  9 loadBalancerSourceRanges [string]; 10 externalName string; 11 externalTrafficPolicy string;
  12 healthCheckNodePort int32; 13 publishNotReadyAddresses bool;
  14 sessionAffinityConfig SessionAffinityConfig; 17 ipFamilyPolicy string=; 18 clusterIPs [string];
  19 ipFamilies [string]; 20 allocateLoadBalancerNodePorts bool=; 21 loadBalancerClass string=;
  22 internalTrafficPolicy string=; 23 trafficDistribution string=
ServiceStatus: 1 loadBalancer LoadBalancerStatus; 2 conditions [Condition]@type
ObjectReference: 1 kind string; 2 namespace string; 3 name string; 4 uid string;
  5 apiVersion string; 6 resourceVersion string; 7 fieldPath string
EventSource: 1 component string; 2 host string
EventSeries: 1 count int32; 2 lastObservedTime microtime
NodeSpec: 1 podCIDR string; 2 externalID string; 3 providerID string; 4 unschedulable bool;
  5 taints [Taint]; 6 configSource NodeConfigSource; 7 podCIDRs [string]@
NodeStatus: 1 capacity {quantity}; 2 allocatable {quantity}; 3 phase string;
  4 conditions [NodeCondition]@type; 5 addresses [NodeAddress]@type;
  6 daemonEndpoints NodeDaemonEndpoints; 7 nodeInfo NodeSystemInfo; 8 images [ContainerImage];
  9 volumesInUse [string]; 10 volumesAttached [AttachedVolume]; 11 config NodeConfigStatus;
  12 runtimeHandlers [NodeRuntimeHandler]; 13 features NodeFeatures; 14 declaredFeatures [string]
DeploymentSpec: 1 replicas int32=; 2 selector LabelSelector; 3 template PodTemplateSpec;
  4 strategy DeploymentStrategy; 5 minReadySeconds int32; 6 revisionHistoryLimit int32=;
  7 paused bool; 9 progressDeadlineSeconds int32=
DeploymentStatus: 1 observedGeneration int64; 2 replicas int32; 3 updatedReplicas int32;
  4 availableReplicas int32; 5 unavailableReplicas int32; 6 conditions [DeploymentCondition]@type;
  7 readyReplicas int32; 8 collisionCount int32=; 9 terminatingReplicas int32=
ReplicaSetSpec: 1 replicas int32=; 2 selector LabelSelector; 3 template PodTemplateSpec;
  4 minReadySeconds int32
ReplicaSetStatus: 1 replicas int32=; 2 fullyLabeledReplicas int32; 3 observedGeneration int64;
  4 readyReplicas int32; 5 availableReplicas int32; 6 conditions [ReplicaSetCondition]@type;
  7 terminatingReplicas int32=
StatefulSetSpec: 1 replicas int32=; 2 selector LabelSelector; 3 template PodTemplateSpec;
  4 volumeClaimTemplates [PersistentVolumeClaim]; 5 serviceName string=;
  6 podManagementPolicy string; 7 updateStrategy StatefulSetUpdateStrategy;
  8 revisionHistoryLimit int32=; 9 minReadySeconds int32;
  10 persistentVolumeClaimRetentionPolicy StatefulSetPersistentVolumeClaimRetentionPolicy;
  11 ordinals StatefulSetOrdinals
StatefulSetStatus: 1 observedGeneration int64; 2 replicas int32=; 3 readyReplicas int32;
  4 currentReplicas int32; 5 updatedReplicas int32; 6 currentRevision string;
  7 updateRevision string; 9 collisionCount int32=; 10 conditions [StatefulSetCondition]@type;
  11 availableReplicas int32=
DaemonSetSpec: 1 selector LabelSelector; 2 template PodTemplateSpec;
  3 updateStrategy DaemonSetUpdateStrategy; 4 minReadySeconds int32; 6 revisionHistoryLimit int32=
DaemonSetStatus: 1 currentNumberScheduled int32=; 2 numberMisscheduled int32=;
  3 desiredNumberScheduled int32=; 4 numberReady int32=; 5 observedGeneration int64;
  6 updatedNumberScheduled int32; 7 numberAvailable int32; 8 numberUnavailable int32;
  9 collisionCount int32=; 10 conditions [DaemonSetCondition]@type
JobSpec: 1 parallelism int32=; 2 completions int32=; 3 activeDeadlineSeconds int64=;
  4 selector LabelSelector; 5 manualSelector bool=; 6 template PodTemplateSpec;
  7 backoffLimit int32=; 8 ttlSecondsAfterFinished int32=; 9 completionMode string=;
  10 suspend bool=; 11 podFailurePolicy PodFailurePolicy; 12 backoffLimitPerIndex int32=;
  13 maxFailedIndexes int32=; 14 podReplacementPolicy string=; 15 managedBy string=;
  16 successPolicy SuccessPolicy
JobStatus: 1 conditions [JobCondition]@type; 2 startTime time; 3 completionTime time;
  4 active int32; 5 succeeded int32; 6 failed int32; 7 completedIndexes string;
  8 uncountedTerminatedPods UncountedTerminatedPods; 9 ready int32=; 10 failedIndexes string=;
  11 terminating int32=
ScaleSpec: 1 replicas int32
ScaleStatus: 1 replicas int32=; 2 selector string
OwnerReference: 1 kind string=; 3 name string=; 4 uid string=; 5 apiVersion string=;
  6 controller bool=; 7 blockOwnerDeletion bool=
ManagedFieldsEntry: 1 manager string; 2 operation string; 3 apiVersion string; 4 time time;
  6 fieldsType string; 7 fieldsV1 raw; 8 subresource string
NamespaceCondition: 1 type string=; 2 status string=; 4 lastTransitionTime time; 5 reason string;
  6 message string
Volume: 1 name string=; 2 - VolumeSource
Container: 1 name string=; 2 image string; 3 command [string]; 4 args [string]; 5 workingDir string;
  6 ports [ContainerPort]@containerPort; 7 env [EnvVar]@name; 8 resources ResourceRequirements;
  9 volumeMounts [VolumeMount]@mountPath; 10 livenessProbe Probe; 11 readinessProbe Probe;
  12 lifecycle Lifecycle; 13 terminationMessagePath string; 14 imagePullPolicy string;
  15 securityContext SecurityContext; 16 stdin bool; 17 stdinOnce bool; 18 tty bool;
  19 envFrom [EnvFromSource]; 20 terminationMessagePolicy string;
  21 volumeDevices [VolumeDevice]@devicePath; 22 startupProbe Probe;
  23 resizePolicy [ContainerResizePolicy]; 24 restartPolicy string=;
  25 restartPolicyRules [ContainerRestartRule]
EphemeralContainer: 1 - EphemeralContainerCommon; 2 targetContainerName string
PodSecurityContext: 1 seLinuxOptions SELinuxOptions; 2 runAsUser int64=; 3 runAsNonRoot bool=;
  4 supplementalGroups [int64]; 5 fsGroup int64=; 6 runAsGroup int64=; 7 sysctls [Sysctl];
  8 windowsOptions WindowsSecurityContextOptions; 9 fsGroupChangePolicy string=;
  10 seccompProfile SeccompProfile; 11 appArmorProfile AppArmorProfile;
  12 supplementalGroupsPolicy string=; 13 seLinuxChangePolicy string=
LocalObjectReference: 1 name string
Affinity: 1 nodeAffinity NodeAffinity; 2 podAffinity PodAffinity; 3 podAntiAffinity PodAntiAffinity
Toleration: 1 key string; 2 operator string; 3 value string; 4 effect string;
  5 tolerationSeconds int64=
HostAlias: 1 ip string=; 2 hostnames [string]
PodDNSConfig: 1 nameservers [string]; 2 searches [string]; 3 options [PodDNSConfigOption]
PodReadinessGate: 1 conditionType string=
TopologySpreadConstraint: 1 maxSkew int32=; 2 topologyKey string=; 3 whenUnsatisfiable string=;
  4 labelSelector LabelSelector; 5 minDomains int32=; 6 nodeAffinityPolicy string=;
  7 nodeTaintsPolicy string=; 8 matchLabelKeys [string]
PodOS: 1 name string=
PodSchedulingGate: 1 name string=
PodResourceClaim: 1 name string=; 3 resourceClaimName string=; 4 resourceClaimTemplateName string=
ResourceRequirements: 1 limits {quantity}; 2 requests {quantity}; 3 claims [ResourceClaim]
PodSchedulingGroup: 1 podGroupName string=
PodCondition: 1 type string=; 2 status string=; 3 lastProbeTime time; 4 lastTransitionTime time;
  5 reason string; 6 message string; 7 observedGeneration int64
HostIP: 1 ip string=
PodIP: 1 ip string=
ContainerStatus: 1 name string=; 2 state ContainerState; 3 lastState ContainerState; 4 ready bool=;
  5 restartCount int32=; 6 image string=; 7 imageID string=; 8 containerID string; 9 started bool=;
  10 allocatedResources {quantity}; 11 resources ResourceRequirements;
  12 volumeMounts [VolumeMountStatus]@mountPath; 13 user ContainerUser;
  14 allocatedResourcesStatus [ResourceStatus]@name; 15 stopSignal string=
PodResourceClaimStatus: 1 name string=; 2 resourceClaimName string=
PodExtendedResourceClaimStatus: 1 requestMappings [ContainerExtendedResourceRequest];
  2 resourceClaimName string=
NodeAllocatableResourceClaimStatus: 1 resourceClaimName string=; 2 containers [string];
  3 resources {quantity}
ServicePort: 1 name string; 2 protocol string; 3 port int32=; 4 targetPort intstr; 5 nodePort int32;
  6 appProtocol string=
SessionAffinityConfig: 1 clientIP ClientIPConfig
LoadBalancerStatus: 1 ingress [LoadBalancerIngress]
Condition: 1 type string=; 2 status string=; 3 observedGeneration int64; 4 lastTransitionTime time;
  5 reason string=; 6 message string=
Taint: 1 key string=; 2 value string; 3 effect string=; 4 timeAdded time
NodeConfigSource: 2 configMap ConfigMapNodeConfigSource
NodeCondition: 1 type string=; 2 status string=; 3 lastHeartbeatTime time;
  4 lastTransitionTime time; 5 reason string; 6 message string
NodeAddress: 1 type string=; 2 address string=
NodeDaemonEndpoints: 1 kubeletEndpoint DaemonEndpoint
NodeSystemInfo: 1 machineID string=; 2 systemUUID string=; 3 bootID string=;
  4 kernelVersion string=; 5 osImage string=; 6 containerRuntimeVersion string=;
  7 kubeletVersion string=; 8 kubeProxyVersion string=; 9 operatingSystem string=;
  10 architecture string=; 11 swap NodeSwapStatus
ContainerImage: 1 names [string]; 2 sizeBytes int64
AttachedVolume: 1 name string=; 2 devicePath string=
NodeConfigStatus: 1 assigned NodeConfigSource; 2 active NodeConfigSource;
  3 lastKnownGood NodeConfigSource; 4 error string
NodeRuntimeHandler: 1 name string=; 2 features NodeRuntimeHandlerFeatures
NodeFeatures: 1 supplementalGroupsPolicy bool=
LabelSelector: 1 matchLabels {string}; 2 matchExpressions [LabelSelectorRequirement]
PodTemplateSpec: 1 metadata ObjectMeta; 2 spec PodSpec
DeploymentStrategy: 1 type string; 2 rollingUpdate RollingUpdateDeployment
DeploymentCondition: 1 type string=; 2 status string=; 4 reason string; 5 message string;
  6 lastUpdateTime time; 7 lastTransitionTime time
ReplicaSetCondition: 1 type string=; 2 status string=; 3 lastTransitionTime time; 4 reason string;
  5 message string
PersistentVolumeClaim: 1 metadata ObjectMeta; 2 spec PersistentVolumeClaimSpec;
  3 status PersistentVolumeClaimStatus
StatefulSetUpdateStrategy: 1 type string; 2 rollingUpdate RollingUpdateStatefulSetStrategy
StatefulSetPersistentVolumeClaimRetentionPolicy: 1 whenDeleted string; 2 whenScaled string
StatefulSetOrdinals: 1 start int32=
StatefulSetCondition: 1 type string=; 2 status string=; 3 lastTransitionTime time; 4 reason string;
  5 message string
DaemonSetUpdateStrategy: 1 type string; 2 rollingUpdate RollingUpdateDaemonSet
DaemonSetCondition: 1 type string=; 2 status string=; 3 lastTransitionTime time; 4 reason string;
  5 message string
PodFailurePolicy: 1 rules [PodFailurePolicyRule]
SuccessPolicy: 1 rules [SuccessPolicyRule]
JobCondition: 1 type string=; 2 status string=; 3 lastProbeTime time; 4 lastTransitionTime time;
  5 reason string; 6 message string
UncountedTerminatedPods: 1 succeeded [string]; 2 failed [string]
VolumeSource: 1 hostPath HostPathVolumeSource; 2 emptyDir EmptyDirVolumeSource;
  3 gcePersistentDisk GCEPersistentDiskVolumeSource;
  4 awsElasticBlockStore AWSElasticBlockStoreVolumeSource; 5 gitRepo GitRepoVolumeSource;
  6 secret SecretVolumeSource; 7 nfs NFSVolumeSource; 8 iscsi ISCSIVolumeSource;
  9 glusterfs GlusterfsVolumeSource; 10 persistentVolumeClaim PersistentVolumeClaimVolumeSource;
  11 rbd RBDVolumeSource; 12 flexVolume FlexVolumeSource; 13 cinder CinderVolumeSource;
  14 cephfs CephFSVolumeSource; 15 flocker FlockerVolumeSource;
  16 downwardAPI DownwardAPIVolumeSource; 17 fc FCVolumeSource; 18 azureFile AzureFileVolumeSource;
  19 configMap ConfigMapVolumeSource; 20 vsphereVolume VsphereVirtualDiskVolumeSource;
  21 quobyte QuobyteVolumeSource; 22 azureDisk AzureDiskVolumeSource;
  23 photonPersistentDisk PhotonPersistentDiskVolumeSource; 24 portworxVolume PortworxVolumeSource;
  25 scaleIO ScaleIOVolumeSource; 26 projected ProjectedVolumeSource;
  27 storageos StorageOSVolumeSource; 28 csi CSIVolumeSource; 29 ephemeral EphemeralVolumeSource;
  30 image ImageVolumeSource
ContainerPort: 1 name string; 2 hostPort int32; 3 containerPort int32=; 4 protocol string;
  5 hostIP string
EnvFromSource: 1 prefix string; 2 configMapRef ConfigMapEnvSource; 3 secretRef SecretEnvSource
EnvVar: 1 name string=; 2 value string; 3 valueFrom EnvVarSource
ContainerResizePolicy: 1 resourceName string=; 2 restartPolicy string=
ContainerRestartRule: 1 action string; 2 exitCodes ContainerRestartRuleOnExitCodes
VolumeMount: 1 name string=; 2 readOnly bool; 3 mountPath string=; 4 subPath string;
  5 mountPropagation string=; 6 subPathExpr string; 7 recursiveReadOnly string=
VolumeDevice: 1 name string=; 2 devicePath string=
Probe: 1 - ProbeHandler; 2 initialDelaySeconds int32; 3 timeoutSeconds int32; 4 periodSeconds int32;
  5 successThreshold int32; 6 failureThreshold int32; 7 terminationGracePeriodSeconds int64=
Lifecycle: 1 postStart LifecycleHandler; 2 preStop LifecycleHandler; 3 stopSignal string=
SecurityContext: 1 capabilities Capabilities; 2 privileged bool=; 3 seLinuxOptions SELinuxOptions;
  4 runAsUser int64=; 5 runAsNonRoot bool=; 6 readOnlyRootFilesystem bool=;
  7 allowPrivilegeEscalation bool=; 8 runAsGroup int64=; 9 procMount string=;
  10 windowsOptions WindowsSecurityContextOptions; 11 seccompProfile SeccompProfile;
  12 appArmorProfile AppArmorProfile
EphemeralContainerCommon: 1 name string=; 2 image string; 3 command [string]; 4 args [string];
  5 workingDir string; 6 ports [ContainerPort]@containerPort; 7 env [EnvVar]@name;
  8 resources ResourceRequirements; 9 volumeMounts [VolumeMount]@mountPath; 10 livenessProbe Probe;
  11 readinessProbe Probe; 12 lifecycle Lifecycle; 13 terminationMessagePath string;
  14 imagePullPolicy string; 15 securityContext SecurityContext; 16 stdin bool; 17 stdinOnce bool;
  18 tty bool; 19 envFrom [EnvFromSource]; 20 terminationMessagePolicy string;
  21 volumeDevices [VolumeDevice]@devicePath; 22 startupProbe Probe;
  23 resizePolicy [ContainerResizePolicy]; 24 restartPolicy string=;
  25 restartPolicyRules [ContainerRestartRule]
SELinuxOptions: 1 user string; 2 role string; 3 type string; 4 level string
WindowsSecurityContextOptions: 1 gmsaCredentialSpecName string=; 2 gmsaCredentialSpec string=;
  3 runAsUserName string=; 4 hostProcess bool=
Sysctl: 1 name string=; 2 value string=
SeccompProfile: 1 type string=; 2 localhostProfile string=
AppArmorProfile: 1 type string=; 2 localhostProfile string=
NodeAffinity: 1 requiredDuringSchedulingIgnoredDuringExecution NodeSelector;
  2 preferredDuringSchedulingIgnoredDuringExecution [PreferredSchedulingTerm]
PodAffinity: 1 requiredDuringSchedulingIgnoredDuringExecution [PodAffinityTerm];
  2 preferredDuringSchedulingIgnoredDuringExecution [WeightedPodAffinityTerm]
PodAntiAffinity: 1 requiredDuringSchedulingIgnoredDuringExecution [PodAffinityTerm];
  2 preferredDuringSchedulingIgnoredDuringExecution [WeightedPodAffinityTerm]
PodDNSConfigOption: 1 name string; 2 value string=
ResourceClaim: 1 name string=; 2 request string
ContainerState: 1 waiting ContainerStateWaiting; 2 running ContainerStateRunning;
  3 terminated ContainerStateTerminated
VolumeMountStatus: 1 name string=; 2 mountPath string=; 3 readOnly bool;
  4 recursiveReadOnly string=; 5 volumeStatus VolumeStatus
ContainerUser: 1 linux LinuxContainerUser
ResourceStatus: 1 name string=; 2 resources [ResourceHealth]
ContainerExtendedResourceRequest: 1 containerName string=; 2 resourceName string=;
  3 requestName string=
ClientIPConfig: 1 timeoutSeconds int32=
LoadBalancerIngress: 1 ip string; 2 hostname string; 3 ipMode string=; 4 ports [PortStatus]
ConfigMapNodeConfigSource: 1 namespace string=; 2 name string=; 3 uid string;
  4 resourceVersion string; 5 kubeletConfigKey string=
DaemonEndpoint: 1 Port int32=
NodeSwapStatus: 1 capacity int64=
NodeRuntimeHandlerFeatures: 1 recursiveReadOnlyMounts bool=; 2 userNamespaces bool=
LabelSelectorRequirement: 1 key string=; 2 operator string=; 3 values [string]
RollingUpdateDeployment: 1 maxUnavailable intstr; 2 maxSurge intstr
PersistentVolumeClaimSpec: 1 accessModes [string]; 2 resources VolumeResourceRequirements;
  3 volumeName string; 4 selector LabelSelector; 5 storageClassName string=; 6 volumeMode string=;
  7 dataSource TypedLocalObjectReference; 8 dataSourceRef TypedObjectReference;
  9 volumeAttributesClassName string=
PersistentVolumeClaimStatus: 1 phase string; 2 accessModes [string]; 3 capacity {quantity};
  4 conditions [PersistentVolumeClaimCondition]@type; 5 allocatedResources {quantity};
  7 allocatedResourceStatuses {string}; 8 currentVolumeAttributesClassName string=;
  9 modifyVolumeStatus ModifyVolumeStatus
RollingUpdateStatefulSetStrategy: 1 partition int32=; 2 maxUnavailable intstr
RollingUpdateDaemonSet: 1 maxUnavailable intstr; 2 maxSurge intstr
PodFailurePolicyRule: 1 action string=; 2 onExitCodes PodFailurePolicyOnExitCodesRequirement;
  3 onPodConditions [PodFailurePolicyOnPodConditionsPattern]
SuccessPolicyRule: 1 succeededIndexes string=; 2 succeededCount int32=
HostPathVolumeSource: 1 path string=; 2 type string=
EmptyDirVolumeSource: 1 medium string; 2 sizeLimit quantity
GCEPersistentDiskVolumeSource: 1 pdName string=; 2 fsType string; 3 partition int32;
  4 readOnly bool
AWSElasticBlockStoreVolumeSource: 1 volumeID string=; 2 fsType string; 3 partition int32;
  4 readOnly bool
GitRepoVolumeSource: 1 repository string=; 2 revision string; 3 directory string
SecretVolumeSource: 1 secretName string; 2 items [KeyToPath]; 3 defaultMode int32=;
  4 optional bool=
NFSVolumeSource: 1 server string=; 2 path string=; 3 readOnly bool
ISCSIVolumeSource: 1 targetPortal string=; 2 iqn string=; 3 lun int32=; 4 iscsiInterface string;
  5 fsType string; 6 readOnly bool; 7 portals [string]; 8 chapAuthDiscovery bool;
  10 secretRef LocalObjectReference; 11 chapAuthSession bool; 12 initiatorName string=
GlusterfsVolumeSource: 1 endpoints string=; 2 path string=; 3 readOnly bool
PersistentVolumeClaimVolumeSource: 1 claimName string=; 2 readOnly bool
RBDVolumeSource: 1 monitors [string]; 2 image string=; 3 fsType string; 4 pool string;
  5 user string; 6 keyring string; 7 secretRef LocalObjectReference; 8 readOnly bool
FlexVolumeSource: 1 driver string=; 2 fsType string; 3 secretRef LocalObjectReference;
  4 readOnly bool; 5 options {string}
CinderVolumeSource: 1 volumeID string=; 2 fsType string; 3 readOnly bool;
  4 secretRef LocalObjectReference
CephFSVolumeSource: 1 monitors [string]; 2 path string; 3 user string; 4 secretFile string;
  5 secretRef LocalObjectReference; 6 readOnly bool
FlockerVolumeSource: 1 datasetName string; 2 datasetUUID string
DownwardAPIVolumeSource: 1 items [DownwardAPIVolumeFile]; 2 defaultMode int32=
FCVolumeSource: 1 targetWWNs [string]; 2 lun int32=; 3 fsType string; 4 readOnly bool;
  5 wwids [string]
AzureFileVolumeSource: 1 secretName string=; 2 shareName string=; 3 readOnly bool
ConfigMapVolumeSource: 1 - LocalObjectReference; 2 items [KeyToPath]; 3 defaultMode int32=;
  4 optional bool=
VsphereVirtualDiskVolumeSource: 1 volumePath string=; 2 fsType string; 3 storagePolicyName string;
  4 storagePolicyID string
QuobyteVolumeSource: 1 registry string=; 2 volume string=; 3 readOnly bool; 4 user string;
  5 group string; 6 tenant string
AzureDiskVolumeSource: 1 diskName string=; 2 diskURI string=; 3 cachingMode string=;
  4 fsType string=; 5 readOnly bool=; 6 kind string=
PhotonPersistentDiskVolumeSource: 1 pdID string=; 2 fsType string
ProjectedVolumeSource: 1 sources [VolumeProjection]; 2 defaultMode int32=
PortworxVolumeSource: 1 volumeID string=; 2 fsType string; 3 readOnly bool
ScaleIOVolumeSource: 1 gateway string=; 2 system string=; 3 secretRef LocalObjectReference;
  4 sslEnabled bool; 5 protectionDomain string; 6 storagePool string; 7 storageMode string;
  8 volumeName string; 9 fsType string; 10 readOnly bool
StorageOSVolumeSource: 1 volumeName string; 2 volumeNamespace string; 3 fsType string;
  4 readOnly bool; 5 secretRef LocalObjectReference
CSIVolumeSource: 1 driver string=; 2 readOnly bool=; 3 fsType string=; 4 volumeAttributes {string};
  5 nodePublishSecretRef LocalObjectReference
EphemeralVolumeSource: 1 volumeClaimTemplate PersistentVolumeClaimTemplate
ImageVolumeSource: 1 reference string; 2 pullPolicy string
ConfigMapEnvSource: 1 - LocalObjectReference; 2 optional bool=
SecretEnvSource: 1 - LocalObjectReference; 2 optional bool=
EnvVarSource: 1 fieldRef ObjectFieldSelector; 2 resourceFieldRef ResourceFieldSelector;
  3 configMapKeyRef ConfigMapKeySelector; 4 secretKeyRef SecretKeySelector;
  5 fileKeyRef FileKeySelector
ContainerRestartRuleOnExitCodes: 1 operator string; 2 values [int32]
ProbeHandler: 1 exec ExecAction; 2 httpGet HTTPGetAction; 3 tcpSocket TCPSocketAction;
  4 grpc GRPCAction
LifecycleHandler: 1 exec ExecAction; 2 httpGet HTTPGetAction; 3 tcpSocket TCPSocketAction;
  4 sleep SleepAction
Capabilities: 1 add [string]; 2 drop [string]
NodeSelector: 1 nodeSelectorTerms [NodeSelectorTerm]
PreferredSchedulingTerm: 1 weight int32=; 2 preference NodeSelectorTerm
PodAffinityTerm: 1 labelSelector LabelSelector; 2 namespaces [string]; 3 topologyKey string=;
  4 namespaceSelector LabelSelector; 5 matchLabelKeys [string]; 6 mismatchLabelKeys [string]
WeightedPodAffinityTerm: 1 weight int32=; 2 podAffinityTerm PodAffinityTerm
ContainerStateWaiting: 1 reason string; 2 message string
ContainerStateRunning: 1 startedAt time
ContainerStateTerminated: 1 exitCode int32=; 2 signal int32; 3 reason string; 4 message string;
  5 startedAt time; 6 finishedAt time; 7 containerID string
VolumeStatus: 1 image ImageVolumeStatus
LinuxContainerUser: 1 uid int64=; 2 gid int64=; 3 supplementalGroups [int64]
ResourceHealth: 1 resourceID string=; 2 health string; 6 message string=
PortStatus: 1 port int32=; 2 protocol string=; 3 error string=
VolumeResourceRequirements: 1 limits {quantity}; 2 requests {quantity}
TypedLocalObjectReference: 1 apiGroup string=; 2 kind string=; 3 name string=
TypedObjectReference: 1 apiGroup string=; 2 kind string=; 3 name string=; 4 namespace string=
PersistentVolumeClaimCondition: 1 type string=; 2 status string=; 3 lastProbeTime time;
  4 lastTransitionTime time; 5 reason string; 6 message string
ModifyVolumeStatus: 1 targetVolumeAttributesClassName string; 2 status string=
PodFailurePolicyOnExitCodesRequirement: 1 containerName string=; 2 operator string=;
  3 values [int32]
PodFailurePolicyOnPodConditionsPattern: 1 type string=; 2 status string=
KeyToPath: 1 key string=; 2 path string=; 3 mode int32=
DownwardAPIVolumeFile: 1 path string=; 2 fieldRef ObjectFieldSelector;
  3 resourceFieldRef ResourceFieldSelector; 4 mode int32=
VolumeProjection: 1 secret SecretProjection; 2 downwardAPI DownwardAPIProjection;
  3 configMap ConfigMapProjection; 4 serviceAccountToken ServiceAccountTokenProjection;
  5 clusterTrustBundle ClusterTrustBundleProjection; 6 podCertificate PodCertificateProjection
PersistentVolumeClaimTemplate: 1 metadata ObjectMeta; 2 spec PersistentVolumeClaimSpec
ObjectFieldSelector: 1 apiVersion string; 2 fieldPath string=
ResourceFieldSelector: 1 containerName string; 2 resource string=; 3 divisor quantity
ConfigMapKeySelector: 1 - LocalObjectReference; 2 key string=; 3 optional bool=
SecretKeySelector: 1 - LocalObjectReference; 2 key string=; 3 optional bool=
FileKeySelector: 1 volumeName string=; 2 path string=; 3 key string=; 4 optional bool=
ExecAction: 1 command [string]
HTTPGetAction: 1 path string; 2 port intstr; 3 host string; 4 scheme string;
  5 httpHeaders [HTTPHeader]
TCPSocketAction: 1 port intstr; 2 host string
GRPCAction: 1 port int32=; 2 service string=
SleepAction: 1 seconds int64=
NodeSelectorTerm: 1 matchExpressions [NodeSelectorRequirement];
  2 matchFields [NodeSelectorRequirement]
ImageVolumeStatus: 1 imageRef string
SecretProjection: 1 - LocalObjectReference; 2 items [KeyToPath]; 4 optional bool=
DownwardAPIProjection: 1 items [DownwardAPIVolumeFile]
ConfigMapProjection: 1 - LocalObjectReference; 2 items [KeyToPath]; 4 optional bool=
ServiceAccountTokenProjection: 1 audience string; 2 expirationSeconds int64=; 3 path string=
ClusterTrustBundleProjection: 1 name string=; 2 signerName string=; 3 labelSelector LabelSelector;
  4 path string=; 5 optional bool=
PodCertificateProjection: 1 signerName string; 2 keyType string; 3 maxExpirationSeconds int32=;
  4 credentialBundlePath string; 5 keyPath string; 6 certificateChainPath string;
  7 userAnnotations {string}
HTTPHeader: 1 name string=; 2 value string=
NodeSelectorRequirement: 1 key string=; 2 operator string=; 3 values [string]
"""
