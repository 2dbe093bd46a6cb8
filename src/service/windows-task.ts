// The Windows per-user logon task (Task Scheduler XML, registered with
// schtasks /Create /XML): runs at this user's logon with their token (so the
// Credential Manager is theirs), least privilege, no time limit, restarted
// after a failure.
import type { LaunchCommand } from './launch.js';

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A command-line word as the Windows C runtime splits it (CommandLineToArgvW rules). */
export function windowsArg(word: string): string {
  if (word !== '' && !/[\s"]/.test(word)) return word;
  return `"${word.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
}

export function logonTaskXml(command: LaunchCommand, options: { user: string }): string {
  const user = xml(options.user);
  return `<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>mcp-auth-proxy: local agents reach MCP servers behind company auth</Description>
    <URI>\\mcp-auth-proxy</URI>
  </RegistrationInfo>
  <Triggers>
    <LogonTrigger>
      <Enabled>true</Enabled>
      <UserId>${user}</UserId>
    </LogonTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <UserId>${user}</UserId>
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <StartWhenAvailable>true</StartWhenAvailable>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <RestartOnFailure>
      <Interval>PT1M</Interval>
      <Count>999</Count>
    </RestartOnFailure>
    <Enabled>true</Enabled>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>${xml(command.node)}</Command>
      <Arguments>${xml([...(command.nodeArgs ?? []), command.entry, ...command.args].map(windowsArg).join(' '))}</Arguments>
    </Exec>
  </Actions>
</Task>
`;
}
