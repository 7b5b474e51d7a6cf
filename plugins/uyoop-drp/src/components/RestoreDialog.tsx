import { useEffect, useState } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  BackupInfo,
  drpInPlaceRestorePermission,
  drpScratchRestorePermission,
  RestoreMode,
  RestorePlan,
  RestoreProgress,
  RESTORE_DONE,
} from '@internal/plugin-uyoop-drp-common';
import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  LinearProgress,
  Radio,
  RadioGroup,
  TextField,
  Typography,
} from '@material-ui/core';
import { drpApiRef } from '../api';

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** What the progress means, in order: items, then volume bytes. */
export function progressLines(p: RestoreProgress): string[] {
  return [
    `Phase: ${p.phase}`,
    `Items restored: ${p.itemsRestored ?? 0} of ${p.totalItems ?? '?'}`,
    `Volume data: ${mib(p.volumeBytesDone)} of ${mib(p.volumeBytesTotal)}`,
    `Errors: ${p.errors}, warnings: ${p.warnings}`,
  ];
}

/**
 * The restore wizard: a scratch namespace by default; in place only with the
 * drp-admin permission and the namespace's name typed again. Once started,
 * it follows the restore until Velero says it is done.
 */
export const RestoreDialog = (props: {
  backup: BackupInfo;
  onClose: () => void;
  /** Between two progress reads. */
  pollMs?: number;
}) => {
  const { backup, onClose, pollMs = 2000 } = props;
  const api = useApi(drpApiRef);
  const namespace = backup.namespaces[0] ?? '';
  const scratch = usePermission({ permission: drpScratchRestorePermission });
  const inPlace = usePermission({ permission: drpInPlaceRestorePermission });
  const [mode, setMode] = useState<RestoreMode>('scratch');
  const [confirm, setConfirm] = useState('');
  const [plan, setPlan] = useState<RestorePlan>();
  const [progress, setProgress] = useState<RestoreProgress>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!plan) return undefined;
    let stopped = false;
    const read = async () => {
      try {
        const p = await api.restoreProgress(plan.restoreName);
        if (stopped) return;
        setProgress(p);
        if (!RESTORE_DONE.includes(p.phase)) setTimeout(read, pollMs);
      } catch (e) {
        if (!stopped) setError((e as Error).message);
      }
    };
    read();
    return () => {
      stopped = true;
    };
  }, [api, plan, pollMs]);

  const allowed = mode === 'scratch' ? scratch.allowed : inPlace.allowed;
  const confirmed = mode === 'scratch' || confirm === namespace;
  const start = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setPlan(
        await api.restore({
          backup: backup.name,
          namespace,
          mode,
          ...(mode === 'in-place' ? { confirm } : {}),
        }),
      );
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const done = progress && RESTORE_DONE.includes(progress.phase);
  const total = progress?.totalItems ?? 0;

  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="sm">
      <DialogTitle>Restore {backup.name}</DialogTitle>
      <DialogContent>
        {!plan && (
          <>
            <Typography variant="body2" paragraph>
              Backup of {namespace}, taken{' '}
              {backup.startedAt ?? 'at an unknown time'}.
            </Typography>
            <RadioGroup
              value={mode}
              onChange={e => setMode(e.target.value as RestoreMode)}
            >
              <FormControlLabel
                value="scratch"
                control={<Radio />}
                disabled={!scratch.allowed}
                label="Into a new scratch namespace (the live one is left alone)"
              />
              <FormControlLabel
                value="in-place"
                control={<Radio />}
                disabled={!inPlace.allowed}
                label={`In place, over ${namespace} (drp-admins only)`}
              />
            </RadioGroup>
            {mode === 'in-place' && (
              <TextField
                id="drp-restore-confirm"
                fullWidth
                margin="normal"
                label={`Type ${namespace} to confirm`}
                value={confirm}
                onChange={e => setConfirm(e.target.value)}
              />
            )}
            {!allowed && (
              <Typography color="error" variant="body2">
                You may not run this restore.
              </Typography>
            )}
          </>
        )}
        {plan && (
          <>
            <Typography variant="body2" paragraph>
              Restore {plan.restoreName} into {plan.targetNamespace}
              {plan.mode === 'scratch' ? ' (scratch)' : ' (in place)'}.
            </Typography>
            <LinearProgress
              variant={total ? 'determinate' : 'indeterminate'}
              value={total ? (100 * (progress?.itemsRestored ?? 0)) / total : 0}
            />
            {progress &&
              progressLines(progress).map(line => (
                <Typography key={line} variant="body2">
                  {line}
                </Typography>
              ))}
            {done && (
              <Typography
                variant="h6"
                color={progress!.phase === 'Completed' ? 'primary' : 'error'}
              >
                {progress!.phase === 'Completed'
                  ? `Restored into ${plan.targetNamespace}.`
                  : `The restore ended ${
                      progress!.phase
                    }: read its results before using ${plan.targetNamespace}.`}
              </Typography>
            )}
          </>
        )}
        {error && (
          <Typography color="error" variant="body2" role="alert">
            {error}
          </Typography>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{plan ? 'Close' : 'Cancel'}</Button>
        {!plan && (
          <Button
            color="primary"
            variant="contained"
            disabled={!allowed || !confirmed || busy}
            onClick={start}
          >
            Start the restore
          </Button>
        )}
      </DialogActions>
    </Dialog>
  );
};
