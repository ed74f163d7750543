// Command flyteadmin is FlyteAdmin's own entrypoint with one addition: a workflow executor that
// accepts executions without a Kubernetes cluster (there is no propeller in the tests). Executions
// then stay UNDEFINED until a test posts workflow execution events, as propeller would.
package main

import (
	"context"

	"github.com/flyteorg/flyte/flyteadmin/cmd/entrypoints"
	"github.com/flyteorg/flyte/flyteadmin/pkg/workflowengine/interfaces"
	"github.com/flyteorg/flyte/flyteadmin/plugins"
)

// noopExecutor accepts every execution and abort without running anything.
type noopExecutor struct{}

func (noopExecutor) ID() string { return "flyte-host-tests-noop" }

func (noopExecutor) Execute(context.Context, interfaces.ExecutionData) (interfaces.ExecutionResponse, error) {
	return interfaces.ExecutionResponse{Cluster: "loopback"}, nil
}

func (noopExecutor) Abort(context.Context, interfaces.AbortData) error { return nil }

func main() {
	registry := plugins.NewRegistry()
	if err := registry.Register(plugins.PluginIDWorkflowExecutor, noopExecutor{}); err != nil {
		panic(err)
	}
	if err := entrypoints.Execute(registry); err != nil {
		panic(err)
	}
}
