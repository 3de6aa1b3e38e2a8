/**
 * A connector's config as a form generated from its spec (@rjsf/core with the ajv 8 validator; see
 * config-ui.ts for secrets, order and defaults). The form checks types, formats and ranges as the
 * user submits; the server checks the rest when the pipeline is stored, and its field errors come
 * back here as `serverErrors`.
 */
import RjsfForm, { type FormProps } from '@rjsf/core';
import type { ErrorSchema, RJSFSchema } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';
import type { ComponentChildren, ComponentType } from 'preact';
import { useMemo } from 'preact/hooks';
import { uiSchemaOf, withoutRequired } from './config-ui.ts';

/** A connector config: JSON, as the spec describes it. */
export type Config = Record<string, unknown>;

// @rjsf/core's types are React's; esbuild bundles it against preact/compat (scripts/build.js), which
// renders it, but preact's JSX types do not accept React's component class as such.
const Form = RjsfForm as unknown as ComponentType<FormProps<Config, RJSFSchema>>;

/** A connector's config form; `onSubmit` only after the form's own checks pass. */
export function ConfigForm(props: {
  /** `source` or `destination`: prefixes the fields' ids, so two forms can share a page. */
  idPrefix: string;
  spec: RJSFSchema;
  config: Config;
  onChange(config: Config): void;
  serverErrors: ErrorSchema | undefined;
  onSubmit(): void;
  /** The form's buttons (a submit button among them), and fields to show after the config's. */
  children: ComponentChildren;
}) {
  const uiSchema = useMemo(() => uiSchemaOf(props.spec), [props.spec]);
  return (
    <Form
      schema={props.spec}
      uiSchema={uiSchema}
      validator={validator}
      idPrefix={props.idPrefix}
      formData={props.config}
      onChange={(event) => props.onChange(event.formData ?? {})}
      onSubmit={() => props.onSubmit()}
      transformErrors={withoutRequired}
      noHtml5Validate
      showErrorList={false}
      focusOnFirstError
      {...(props.serverErrors ? { extraErrors: props.serverErrors } : {})}
      experimental_defaultFormStateBehavior={{ emptyObjectFields: 'populateRequiredDefaults' }}
      className="config-form"
    >
      {props.children as FormProps<Config, RJSFSchema>['children']}
    </Form>
  );
}
