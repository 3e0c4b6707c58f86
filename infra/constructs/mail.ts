import { Aws, CfnOutput, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';

export interface MailProps {
  /** The identity to send from: an email address or a domain. */
  readonly identity: string;
  /** The sender address (the address part of MAIL_FROM); sending is restricted to it. */
  readonly fromAddress: string;
  /**
   * Create the identity (AWS::SES::EmailIdentity). false: it already exists
   * in the account and region (creating it again would fail the deploy); the
   * grant names it all the same, and the AttachConfigurationSet output says
   * how to make the configuration set its default.
   * @default true
   */
  readonly createIdentity?: boolean;
  /**
   * The account is in the SES sandbox, where SES also authorizes each send
   * against the identity of every recipient: the send grant then covers the
   * account's identities in this region (`identity/*`), still only from
   * `fromAddress`.
   * @default true (every new account starts in the sandbox)
   */
  readonly sandbox?: boolean;
}

/**
 * Outgoing email: the SES identity of the sender (an address or a domain)
 * with a configuration set as its default (TLS required, reputation metrics,
 * account suppression list for bounces and complaints; no open/click
 * tracking, which would rewrite the capability links in the emails).
 *
 * `grantSend` allows ses:SendEmail/SendRawEmail on this identity and the
 * configuration set (plus, in the sandbox, the recipients' identities), and
 * only with the configured From address. ARNs use the deploy-time partition,
 * region and account.
 *
 * An email identity gets a verification email on deployment; a domain
 * identity needs the DKIM CNAME records of the stack outputs. While the
 * account is in the SES sandbox, recipients must be verified too.
 */
export class Mail extends Construct {
  public readonly configurationSet: ses.ConfigurationSet;
  /** The identity the stack creates; undefined when it uses an existing one (createIdentity false). */
  public readonly identity: ses.EmailIdentity | undefined;
  public readonly fromAddress: string;
  /** ARN of the sending identity. */
  public readonly identityArn: string;
  /** ARN of the configuration set (SES authorizes sends against it too). */
  public readonly configurationSetArn: string;
  /** Whether the send grant also covers the recipients' identities (the SES sandbox). */
  private readonly sandbox: boolean;

  constructor(scope: Construct, id: string, props: MailProps) {
    super(scope, id);
    this.fromAddress = props.fromAddress;
    this.sandbox = props.sandbox ?? true;
    const isDomain = !props.identity.includes('@');

    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
      sendingEnabled: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });

    this.identityArn = sesArn(`identity/${props.identity}`);
    this.configurationSetArn = sesArn(`configuration-set/${this.configurationSet.configurationSetName}`);

    if (props.createIdentity ?? true) {
      this.identity = new ses.EmailIdentity(this, 'Identity', {
        identity: isDomain ? ses.Identity.domain(props.identity) : ses.Identity.email(props.identity),
        configurationSet: this.configurationSet,
      });
      if (isDomain) {
        this.identity.dkimRecords.forEach((record, i) => {
          new CfnOutput(this, `DkimRecord${i + 1}`, {
            description: `DKIM CNAME record ${i + 1} to publish for ${props.identity}`,
            value: `${record.name} CNAME ${record.value}`,
          });
        });
      }
    } else {
      this.identity = undefined;
      new CfnOutput(this, 'AttachConfigurationSet', {
        description: `The existing SES identity ${props.identity} is not managed by this stack: make the configuration set its default (TLS, suppression list, no click tracking) with this command`,
        value: `aws sesv2 put-email-identity-configuration-set-attributes --email-identity ${props.identity} --configuration-set-name ${this.configurationSet.configurationSetName}`,
      });
    }
  }

  /**
   * ses:SendEmail and ses:SendRawEmail from this identity and From address
   * only; in the sandbox also on the recipients' identities (`identity/*`),
   * which SES checks there too. The mailer sends with SES API v2 SendEmail
   * (Simple content, attachments included), which IAM authorizes as
   * ses:SendEmail; SendRawEmail is the pair CDK's own grant gives.
   */
  grantSend(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['ses:SendEmail', 'ses:SendRawEmail'],
      resourceArns: [this.identityArn, ...(this.sandbox ? [sesArn('identity/*')] : []), this.configurationSetArn],
      conditions: { StringEquals: { 'ses:FromAddress': this.fromAddress } },
    });
    if (this.sandbox && Construct.isConstruct(grantee)) {
      Validations.of(grantee).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]',
        reason:
          'SES sandbox (sesSandbox setting): SES authorizes each send against the identity of every recipient as well as the sender, and the recipients are team addresses verified as identities. Only SendEmail/SendRawEmail, only with ses:FromAddress the configured sender; with sesSandbox=false (after production access) the grant names the sender identity only.',
      });
    }
    return grant;
  }

}

/** An SES ARN in the deploy-time partition, region and account (never pinned at synth). */
function sesArn(resource: string): string {
  return `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
}
