// The keychain suite: same setup as jest.config.js, only test/keychain, run
// by test/keychain/run.sh inside a private D-Bus session with gnome-keyring.
import base from './jest.config.js';

export default { ...base, testMatch: ['<rootDir>/test/keychain/**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/'] };
