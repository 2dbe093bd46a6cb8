// The macOS LaunchAgent: a plist in ~/Library/LaunchAgents that launchd
// starts in the user's GUI session (where the login keychain is unlocked),
// at load and again after a crash (KeepAlive on unsuccessful exit).
import type { LaunchCommand } from './launch.js';
import { LAUNCHD_LABEL } from './launch.js';

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function launchAgentPlist(command: LaunchCommand, options: { outFile: string }): string {
  const args = [command.node, ...(command.nodeArgs ?? []), command.entry, ...command.args].map((a) => `    <string>${xml(a)}</string>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>${LAUNCHD_LABEL}</string>
  <key>ProgramArguments</key>
  <array>
${args}
  </array>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>LimitLoadToSessionType</key>
  <string>Aqua</string>
  <key>ProcessType</key>
  <string>Background</string>
  <key>StandardOutPath</key>
  <string>${xml(options.outFile)}</string>
  <key>StandardErrorPath</key>
  <string>${xml(options.outFile)}</string>
</dict>
</plist>
`;
}
