/**
 * Workspace trust for settings: in an untrusted workspace, the settings that choose what code or data
 * Semantic Flow loads (a model folder, a server endpoint) are honoured only from the user's own
 * settings, never from the workspace's `.vscode/settings.json`. Pure: tested without VS Code.
 */

/** Keys (under `semanticFlow.`) that are declared in package.json `capabilities.untrustedWorkspaces.restrictedConfigurations`. */
export const RESTRICTED_KEYS = ['model', 'remote.endpoint', 'remote.model'] as const;

/** The layers of a setting as `WorkspaceConfiguration.inspect` returns them (language layers are not used). */
export interface InspectedSetting<T> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

export interface TrustedValue<T> {
  value: T | undefined;
  /** True when a workspace value existed and was ignored because the workspace is not trusted. */
  ignoredWorkspaceValue: boolean;
}

export const isRestricted = (key: string): boolean => (RESTRICTED_KEYS as readonly string[]).includes(key);

/**
 * The effective value of a setting: folder over workspace over user over default, except that a
 * restricted key in an untrusted workspace skips the workspace layers.
 */
export function trustedValue<T>(key: string, s: InspectedSetting<T> | undefined, isTrusted: boolean): TrustedValue<T> {
  if (!s) return { value: undefined, ignoredWorkspaceValue: false };
  const skipWorkspace = !isTrusted && isRestricted(key);
  const hasWorkspace = s.workspaceFolderValue !== undefined || s.workspaceValue !== undefined;
  if (!skipWorkspace) {
    const value = s.workspaceFolderValue ?? s.workspaceValue ?? s.globalValue ?? s.defaultValue;
    return { value, ignoredWorkspaceValue: false };
  }
  return { value: s.globalValue ?? s.defaultValue, ignoredWorkspaceValue: hasWorkspace };
}
