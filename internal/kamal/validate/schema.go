package validate

// Kamal 2.12 validates each section against an example: the keys it may
// have, and for each the type of the example's value. These are those
// examples' shapes, written as Go, from Kamal's documented configuration.

type exKind int

const (
	exStr exKind = iota
	exInt
	exBool
	exMap     // a mapping of the example's keys
	exSeq     // a list of elem
	exSection // "..." in Kamal's examples: a section validated on its own
	// The shapes where Kamal's checks depart from a plain example:
	exSectionOrBool // proxy: a section, or true/false
	exServers       // servers: a list of hosts or a mapping of roles
	exHash          // options, args: any mapping, keys not checked
	exMapOf         // labels: a mapping of names to elem
	exHosts         // hosts: each a string or a host with its tags
	exPaths         // files, directories: each a string or a mapping of pathExample
	exStrOrList     // arch: a string or a list of strings
	exBoolOrMap     // ssl: true/false or a mapping
	exStrOrMap      // hooks_output: a level, or a level for each hook
	exSSHConfig     // ssh config: true/false, a path or a list of paths
)

type example struct {
	kind   exKind
	keys   []string
	fields map[string]*example
	elem   *example // exSeq: the type of the items
}

var (
	str          = &example{kind: exStr}
	integer      = &example{kind: exInt}
	boolean      = &example{kind: exBool}
	section      = &example{kind: exSection}
	proxySection = &example{kind: exSectionOrBool}
	serversList  = &example{kind: exServers}
	hash         = &example{kind: exHash}
	labels       = &example{kind: exMapOf, elem: str}
	hosts        = &example{kind: exHosts}
	paths        = &example{kind: exPaths}
	strOrList    = &example{kind: exStrOrList}
	boolOrMap    = &example{kind: exBoolOrMap}
	levels       = &example{kind: exStrOrMap}
	sshConfig    = &example{kind: exSSHConfig}
)

func seq(e *example) *example { return &example{kind: exSeq, elem: e} }

// obj is a mapping example from alternating keys and examples.
func obj(kv ...any) *example {
	e := &example{kind: exMap, fields: map[string]*example{}}
	for i := 0; i < len(kv); i += 2 {
		k := kv[i].(string)
		e.keys = append(e.keys, k)
		e.fields[k] = kv[i+1].(*example)
	}
	return e
}

var (
	rootExample = obj(
		"service", str, "image", str, "labels", labels, "volumes", seq(str),
		"registry", section, "servers", serversList, "env", section, "asset_path", str, "hooks_path", str,
		"hooks_output", levels, "secrets_path", str, "error_pages_path", str,
		"require_destination", boolean, "primary_role", str, "allow_empty_roles", boolean, "retain_containers", integer,
		"minimum_version", str, "readiness_delay", integer, "deploy_timeout", integer, "drain_timeout", integer,
		"stop_timeout", integer, "run_directory", str, "ssh", section, "builder", section, "accessories", section,
		"proxy", proxySection, "sshkit", section, "boot", section, "logging", section, "output", section, "aliases", section,
	)

	registryExample = obj("server", str) // username and password are checked on their own

	roleExample = obj(
		"hosts", hosts, "cmd", str, "stop_timeout", integer, "options", hash,
		"logging", section, "proxy", proxySection, "labels", labels, "env", section, "asset_path", str,
	)

	pathExample      = obj("local", str, "remote", str, "mode", str, "owner", str, "options", str)
	accessoryExample = obj(
		"service", str, "image", str, "registry", section, "host", str, "hosts", hosts, "role", str, "roles", seq(str),
		"tag", str, "tags", seq(str), "cmd", str, "port", str, "labels", labels, "options", hash,
		"env", section, "files", paths, "directories", paths, "volumes", seq(str), "network", str,
		"proxy", proxySection,
	)

	builderExample = obj(
		"arch", strOrList, "remote", str, "local", boolean, "pack", obj("builder", str, "buildpacks", seq(str)),
		"cache", obj("type", str, "options", str, "image", str), "context", str, "dockerfile", str, "target", str,
		"args", hash, "secrets", seq(str), "ssh", str, "driver", str, "provenance", str, "sbom", boolean,
	)

	proxyExample = obj(
		"host", str, "hosts", hosts, "app_port", integer, "ssl", boolOrMap,
		"ssl_redirect", boolean, "forward_headers", boolean, "response_timeout", integer, "path_prefix", str,
		"path_prefixes", seq(str), "strip_path_prefix", boolean,
		"healthcheck", obj("interval", integer, "path", str, "timeout", integer),
		"buffering", obj("requests", boolean, "responses", boolean, "max_request_body", integer, "max_response_body", integer, "memory", integer),
		"logging", obj("request_headers", seq(str), "response_headers", seq(str)),
		"run", obj("http_port", integer, "https_port", integer, "metrics_port", integer, "debug", boolean, "log_max_size", str,
			"publish", boolean, "bind_ips", seq(str), "registry", str, "repository", str, "version", str,
			"options", hash),
	)

	sshExample = obj(
		"user", str, "port", str, "proxy", str, "proxy_command", str, "log_level", str, "keys_only", boolean,
		"keys", seq(str), "key_data", seq(str), "config", sshConfig, "forward_agent", boolean,
	)
	sshkitExample  = obj("max_concurrent_starts", integer, "pool_idle_timeout", integer, "dns_retries", integer)
	bootExample    = obj("limit", str, "wait", integer, "parallel_roles", boolean)
	loggingExample = obj("driver", str, "options", hash)
	outputExample  = obj("otel", obj("endpoint", str), "file", obj("path", str))

	envSpecialKeys = []string{"clear", "secret", "tags"}
)

// builtinCommands are Kamal 2.12's CLI commands, which an alias may not shadow.
var builtinCommands = map[string]bool{
	"accessory": true, "app": true, "audit": true, "build": true, "config": true, "deploy": true, "details": true,
	"docs": true, "init": true, "lock": true, "proxy": true, "prune": true, "redeploy": true,
	"registry": true, "remove": true, "rollback": true, "secrets": true, "server": true, "setup": true,
	"upgrade": true, "version": true,
}
