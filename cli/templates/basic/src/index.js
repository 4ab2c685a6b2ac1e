/**
 * The agent: its default export gets the SDK context (see AgentContext in
 * @agent-marketplace/runner) and returns its outputs.
 *
 * @param {import('@agent-marketplace/runner').AgentContext} ctx
 */
export default async function run(ctx) {
  const project = typeof ctx.input.project === 'string' ? ctx.input.project : undefined;
  ctx.progress(10, 'Listing VMs');
  // Needs the vm.list permission of agent.yaml; locally the account is fixtures/cloud.json.
  const vms = await ctx.cloud.list('vm', project ? { project } : undefined);

  const byState = {};
  const byProject = {};
  for (const vm of vms) {
    byState[vm.state] = (byState[vm.state] ?? 0) + 1;
    byProject[vm.project] = (byProject[vm.project] ?? 0) + 1;
  }
  ctx.log.info(`Counted ${vms.length} VMs in ${ctx.cloud.account}`, { project: project ?? null, byState });
  ctx.progress(100, 'Done');
  return { account: ctx.cloud.account, total: vms.length, byState, byProject };
}
