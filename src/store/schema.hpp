#pragma once
// The SQL of each migration after the first two, one file per version (migrations.cpp runs them).
namespace plaza::store::schema {
extern const char* const kBilling;       // v3
extern const char* const kApps;          // v4
extern const char* const kEarnings;      // v5
extern const char* const kSearch;        // v6
extern const char* const kUsageIndexes;  // v7
extern const char* const kAppUsage;      // v8
extern const char* const kUsageByUser;   // v9
extern const char* const kLoginFailures;  // v10
extern const char* const kJobIndexes;     // v11
extern const char* const kAppPaying;      // v12
extern const char* const kAnswerLease;    // v13
extern const char* const kSubscriptionSource;  // v14
extern const char* const kUploads;             // v15
extern const char* const kRollupInWriter;      // v16
extern const char* const kUploadFiles;         // v17
extern const char* const kChannelAnswerLength;  // v18
extern const char* const kMessageLeftOut;       // v19
extern const char* const kMessageImages;        // v20
extern const char* const kModelImageTokens;     // v21
extern const char* const kModelReadsImages;     // v22
extern const char* const kMessageImagesLeftOut;  // v23
extern const char* const kModelPosition;         // v24
extern const char* const kUsageErrorDetail;      // v25
extern const char* const kChannelNames;          // v26
extern const char* const kWalletOps;             // v27
extern const char* const kPackLimit;             // v28
extern const char* const kPayments;              // v29
}  // namespace plaza::store::schema
