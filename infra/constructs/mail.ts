import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';

export interface MailProps {
  /** The identity to verify and send from: an email address or a domain. */
  readonly identity: string;
  /** The sender address (the address part of MAIL_FROM); sending is restricted to it. */
  readonly fromAddress: string;
}

/**
 * Outgoing email: the SES identity of the sender (an address or a domain)
 * with a configuration set as its default (TLS required, reputation metrics,
 * account suppression list for bounces and complaints; no open/click
 * tracking, which would rewrite the capability links in the emails).
 *
 * `grantSend` allows ses:SendEmail/SendRawEmail on this identity only, and
 * only with the configured From address.
 *
 * An email identity gets a verification email on deployment; a domain
 * identity needs the DKIM CNAME records of the stack outputs. While the
 * account is in the SES sandbox, recipients must be verified too.
 */
export class Mail extends Construct {
  public readonly configurationSet: ses.ConfigurationSet;
  public readonly identity: ses.EmailIdentity;
  public readonly fromAddress: string;
  /** ARN of the sending identity. */
  public readonly identityArn: string;
  /** ARN of the configuration set (SES authorizes sends against it too). */
  public readonly configurationSetArn: string;

  constructor(scope: Construct, id: string, props: MailProps) {
    super(scope, id);
    this.fromAddress = props.fromAddress;
    const isDomain = !props.identity.includes('@');

    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.identity = new ses.EmailIdentity(this, 'Identity', {
      identity: isDomain ? ses.Identity.domain(props.identity) : ses.Identity.email(props.identity),
      configurationSet: this.configurationSet,
    });

    const stack = Stack.of(this);
    this.identityArn = stack.formatArn({ service: 'ses', resource: 'identity', resourceName: props.identity });
    this.configurationSetArn = stack.formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
    });

    if (isDomain) {
      this.identity.dkimRecords.forEach((record, i) => {
        new CfnOutput(this, `DkimRecord${i + 1}`, {
          description: `DKIM CNAME record ${i + 1} to publish for ${props.identity}`,
          value: `${record.name} CNAME ${record.value}`,
        });
      });
    }
  }

  /** ses:SendEmail and ses:SendRawEmail from this identity and From address only. */
  grantSend(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['ses:SendEmail', 'ses:SendRawEmail'],
      resourceArns: [this.identityArn, this.configurationSetArn],
      conditions: { StringEquals: { 'ses:FromAddress': this.fromAddress } },
    });
  }
}
