# Verify an Eye webhook delivery in Ruby (3.0+, standard library only: openssl, base64).
#
# Both signature families are checked over the raw body bytes (request.raw_post in Rails,
# request.body.read in Rack; verify before JSON.parse), with a 5-minute tolerance on the timestamp
# in both directions. `headers` maps lower-case header names to values.
#
#   ok = EyeWebhook.verify_classic(secret, headers, raw_body) || EyeWebhook.verify_standard(secret, headers, raw_body)
#
# Command line (used by the relay's tests): ruby verify.rb <secret> <case dir with headers, body>
# prints "classic=ok|fail standard=ok|fail".
require 'base64'
require 'openssl'

module EyeWebhook
  TOLERANCE_S = 5 * 60

  def self.fresh?(timestamp)
    return false unless timestamp.to_s.match?(/\A[0-9]{1,12}\z/)

    (Time.now.to_i - timestamp.to_i).abs <= TOLERANCE_S
  end

  # X-Eye-Signature: sha256=<hex HMAC-SHA256(secret as UTF-8, "<ts>.<body>")>, one value.
  def self.verify_classic(secret, headers, raw_body)
    timestamp = headers['x-eye-timestamp'].to_s
    return false unless fresh?(timestamp)

    expected = 'sha256=' + OpenSSL::HMAC.hexdigest('SHA256', secret, "#{timestamp}.".b + raw_body.b)
    # OpenSSL.secure_compare: constant time, also for strings of different lengths.
    OpenSSL.secure_compare(expected, headers['x-eye-signature'].to_s)
  end

  # Standard Webhooks: webhook-signature holds "v1,<base64>" values, space-separated (two during a rotation).
  def self.verify_standard(secret, headers, raw_body)
    msg_id = headers['webhook-id'].to_s
    timestamp = headers['webhook-timestamp'].to_s
    return false if msg_id.empty? || !fresh?(timestamp)

    key = Base64.strict_decode64(secret.delete_prefix('whsec_'))
    expected = Base64.strict_encode64(OpenSSL::HMAC.digest('SHA256', key, "#{msg_id}.#{timestamp}.".b + raw_body.b))
    headers['webhook-signature'].to_s.split(' ').any? do |candidate|
      version, value = candidate.split(',', 2)
      version == 'v1' && !value.nil? && OpenSSL.secure_compare(expected, value)
    end
  rescue ArgumentError # not base64
    false
  end
end

if $PROGRAM_NAME == __FILE__
  headers = {}
  File.read(File.join(ARGV[1], 'headers'), encoding: 'UTF-8').each_line(chomp: true) do |line|
    name, value = line.split(': ', 2)
    headers[name.downcase] = value unless value.nil?
  end
  body = File.binread(File.join(ARGV[1], 'body'))
  result = ->(ok) { ok ? 'ok' : 'fail' }
  puts "classic=#{result.(EyeWebhook.verify_classic(ARGV[0], headers, body))} standard=#{result.(EyeWebhook.verify_standard(ARGV[0], headers, body))}"
end
