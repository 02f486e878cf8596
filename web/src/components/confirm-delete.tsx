import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Dialog } from './dialog';
import { ErrorMessage } from './error-message';

interface Props {
  /** What is deleted, as people name it: `webhook https://hooks.example.com/x`. */
  what: string;
  /** What else goes with it, or what happens next; shown in the dialog. */
  consequence?: string;
  onDelete(): Promise<unknown>;
  /** After a successful delete (e.g. refetch the list). */
  onDeleted?(): unknown;
}

/**
 * A Delete button that asks first, in a dialog naming the object. The API's refusal (e.g. 409 while in use) is shown
 * in the dialog with the API's `error` text, and the object stays.
 */
export function ConfirmDelete({ what, consequence, onDelete, onDeleted }: Props) {
  const [open, setOpen] = useState(false);
  const remove = useMutation({
    mutationFn: onDelete,
    onSuccess: async () => {
      setOpen(false);
      await onDeleted?.();
    },
  });
  const close = () => {
    setOpen(false);
    remove.reset();
  };
  return (
    <>
      <button type="button" className="small danger" onClick={() => setOpen(true)} aria-label={`Delete ${what}`}>
        Delete
      </button>
      <Dialog title={`Delete ${what}?`} open={open} onClose={close}>
        <div className="stack">
          {consequence && <p>{consequence}</p>}
          <ErrorMessage error={remove.error} />
          <div className="actions">
            <button type="button" className="danger" onClick={() => remove.mutate()} disabled={remove.isPending}>
              {remove.isPending ? 'Deleting…' : 'Delete'}
            </button>
            <button type="button" onClick={close}>
              Keep it
            </button>
          </div>
        </div>
      </Dialog>
    </>
  );
}
